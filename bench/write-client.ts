// The write bench's load generator, in a process of its own (forked by bench/write.ts) so its work
// does not share the hub's CPU turn: one loop per incident, each moving its own incident's stage
// back and forth (INVESTIGATING <-> IDENTIFIED) with changeStage over HTTP, one request after the
// other, for a fixed time. Every answer is checked: a non-2xx status or a GraphQL `errors` is an
// error. Answers the parent with the changes made and the time they took.
//
// Requests go through node:http over kept-alive connections (one per loop), not fetch: fetch
// (undici) cost this process about four times node:http's CPU per request (~4 ms against ~1 ms on
// a loaded machine), taken from the cores the hub and PostgreSQL share, and added ~5 ms to each
// request's round trip; pgbench, the baseline, is a lean C client.
import { Agent, request } from 'node:http';

export interface WriteOrder {
  base: string;
  token: string;
  /** One incident per concurrent client, with its stage now (INVESTIGATING or IDENTIFIED). */
  incidents: { key: string; stage: string }[];
  seconds: number;
}

export interface WriteResult {
  changes: number;
  errors: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
  samples: string[];
}

const CHANGE_STAGE = 'mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key stage } }';

/** POSTs `body` as JSON; answers the status and the text of the answer. */
function post(
  url: string,
  agent: Agent,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(order: WriteOrder): Promise<WriteResult> {
  let changes = 0;
  let errors = 0;
  const samples: string[] = [];
  const started = performance.now();
  const deadline = started + order.seconds * 1000;
  const agent = new Agent({ keepAlive: true, maxSockets: order.incidents.length });
  const headers = { authorization: `Bearer ${order.token}` };
  const loop = async (incident: { key: string; stage: string }) => {
    let stage = incident.stage;
    while (performance.now() < deadline) {
      const next = stage === 'INVESTIGATING' ? 'IDENTIFIED' : 'INVESTIGATING';
      const { status, text } = await post(
        `${order.base}/graphql`,
        agent,
        headers,
        JSON.stringify({
          query: CHANGE_STAGE,
          variables: { input: { incidentKey: incident.key, stage: next } },
        }),
      );
      const body = JSON.parse(text) as { errors?: unknown; data?: { changeStage?: { stage: string } } };
      if (status < 200 || status > 299 || body.errors || body.data?.changeStage?.stage !== next) {
        errors += 1;
        if (samples.length < 3) samples.push(`${status} ${text.slice(0, 300)}`);
        // the stage as the hub has it, so the next request asks for a legal move
        continue;
      }
      stage = next;
      changes += 1;
    }
  };
  await Promise.all(order.incidents.map(loop));
  agent.destroy();
  return { changes, errors, elapsedMs: performance.now() - started, samples };
}

process.once('message', (order: WriteOrder) => {
  run(order).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.stack ?? String(err) }, () => process.exit(1)),
  );
});
