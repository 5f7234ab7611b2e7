// The write bench's load generator, in a process of its own (forked by bench/write.ts) so its work
// does not share the hub's CPU turn: one loop per incident, each moving its own incident's stage
// back and forth (INVESTIGATING <-> IDENTIFIED) with changeStage over HTTP, one request after the
// other, for a fixed time. Every answer is checked: a non-2xx status or a GraphQL `errors` is an
// error. Answers the parent with the changes made and the time they took.

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

async function run(order: WriteOrder): Promise<WriteResult> {
  let changes = 0;
  let errors = 0;
  const samples: string[] = [];
  const started = performance.now();
  const deadline = started + order.seconds * 1000;
  const loop = async (incident: { key: string; stage: string }) => {
    let stage = incident.stage;
    while (performance.now() < deadline) {
      const next = stage === 'INVESTIGATING' ? 'IDENTIFIED' : 'INVESTIGATING';
      const res = await fetch(`${order.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${order.token}` },
        body: JSON.stringify({
          query: CHANGE_STAGE,
          variables: { input: { incidentKey: incident.key, stage: next } },
        }),
      });
      const text = await res.text();
      const body = JSON.parse(text) as { errors?: unknown; data?: { changeStage?: { stage: string } } };
      if (!res.ok || body.errors || body.data?.changeStage?.stage !== next) {
        errors += 1;
        if (samples.length < 3) samples.push(`${res.status} ${text.slice(0, 300)}`);
        // the stage as the hub has it, so the next request asks for a legal move
        continue;
      }
      stage = next;
      changes += 1;
    }
  };
  await Promise.all(order.incidents.map(loop));
  return { changes, errors, elapsedMs: performance.now() - started, samples };
}

process.once('message', (order: WriteOrder) => {
  run(order).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.stack ?? String(err) }, () => process.exit(1)),
  );
});
