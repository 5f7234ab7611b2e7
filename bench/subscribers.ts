// Load generators for `npm run bench -- fanout`, each in its own process so their work does not
// share the hub's CPU turn. The first argument picks the role:
//   graphql <ws url> <token> <incident key> <sockets> <per socket>
//     live subscribers over graphql-ws (half incidentChanged, half timelineEntryAdded);
//   ws <ws url> <sockets> <per socket>
//     plain `ws` receivers of the baseline broadcast (bench/fanout.ts), one socket per connection;
//   write <http url> <token> <incident key> <changes per second> <seconds> <run>
//     addNote at a fixed rate (sent on schedule, not after the previous answer), each note's text
//     carrying its send time, answering each note's round trip.
// Receivers read the send time from the text each result carries ("fanout <run> <n> <ms>"; the
// clocks are this machine's) and answer, when asked ('count', or 'report'), how many results have
// arrived and the delivery latencies of those of the run asked about.
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const INCIDENT_CHANGED_QUERY = `subscription ($f: IncidentFilter) { incidentChanged(filter: $f) { key stage priority
  incidentManager { name } timeline(first: 5, newestFirst: true) { nodes { kind text } } } }`;
export const TIMELINE_ENTRY_ADDED_QUERY = `subscription ($key: String!) { timelineEntryAdded(incidentKey: $key) {
  kind text actor { name } incident { key } } }`;

/** What a receiver process answers to 'report'. */
export interface ReceiverReport {
  /** Results of every kind received since the process started, and errors. */
  received: number;
  errors: number;
  firstError?: string;
  /** Results of the run asked about: how many, when the first and last arrived, their latencies. */
  ofRun: number;
  firstAt: number;
  lastAt: number;
  latenciesMs: number[];
}

/** What the writer answers when it is done. */
export interface WriterReport {
  firstSentAt: number;
  lastSentAt: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

/** Milliseconds since the epoch, to the microsecond: the same clock in every process. */
export const now = (): number => performance.timeOrigin + performance.now();

/** The text of the n-th note of a run: its send time travels with it. */
export const noteText = (run: string, n: number, sentAt: number): string => `fanout ${run} ${n} ${sentAt}`;

const NOTE = /^fanout (\S+) (\d+) (\d+(?:\.\d+)?)$/;

/** Collects what receivers get: counts, and per run the latencies. */
class Receipts {
  received = 0;
  errors = 0;
  firstError?: string;

  failed(what: unknown): void {
    this.errors += 1;
    this.firstError ??=
      typeof what === 'object' && what && 'code' in what
        ? `closed ${String((what as { code: unknown }).code)} ${String((what as { reason?: unknown }).reason ?? '')}`
        : JSON.stringify(what);
  }
  private readonly runs = new Map<string, { count: number; firstAt: number; lastAt: number; ms: number[] }>();

  /** A result whose note text is `text` arrived (text undefined: some other change). */
  arrived(text: string | undefined): void {
    const at = now();
    this.received += 1;
    const match = text ? NOTE.exec(text) : null;
    if (!match) return;
    const run = this.runs.get(match[1]) ?? { count: 0, firstAt: at, lastAt: at, ms: [] };
    run.count += 1;
    run.lastAt = at;
    run.ms.push(at - Number(match[3]));
    this.runs.set(match[1], run);
  }

  report(run: string): ReceiverReport {
    const r = this.runs.get(run);
    return {
      received: this.received,
      errors: this.errors,
      firstError: this.firstError,
      ofRun: r?.count ?? 0,
      firstAt: r?.firstAt ?? 0,
      lastAt: r?.lastAt ?? 0,
      latenciesMs: r?.ms ?? [],
    };
  }
}

interface Data {
  incidentChanged?: { timeline: { nodes: { text: string }[] } };
  timelineEntryAdded?: { text: string };
}

/** The note text a result carries: the newest timeline entry, or the entry added. */
export const textOf = (data: Data | null | undefined): string | undefined =>
  data?.incidentChanged?.timeline.nodes[0]?.text ?? data?.timelineEntryAdded?.text;

type Stop = () => Promise<void>;

function graphqlSubscribers(receipts: Receipts, args: string[]): Stop {
  const [url, token, key, socketsArg, perSocketArg] = args;
  const clients = Array.from({ length: Number(socketsArg) }, () =>
    createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
    }),
  );
  for (const client of clients) {
    for (let i = 0; i < Number(perSocketArg); i++) {
      const changed = i % 2 === 0;
      client.subscribe<Data>(
        {
          query: changed ? INCIDENT_CHANGED_QUERY : TIMELINE_ENTRY_ADDED_QUERY,
          variables: changed ? { f: { text: key } } : { key },
        },
        {
          next: (result) => {
            if (result.errors) receipts.failed(result.errors);
            else receipts.arrived(textOf(result.data));
          },
          error: (err) => receipts.failed(err),
          complete: () => undefined,
        },
      );
    }
  }
  return async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  };
}

function wsReceivers(receipts: Receipts, args: string[]): Stop {
  const [url, socketsArg] = args;
  const sockets = Array.from({ length: Number(socketsArg) }, () => {
    const socket = new WebSocket(url);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { payload: { data: Data } };
      receipts.arrived(textOf(message.payload.data));
    });
    socket.on('error', () => {
      receipts.errors += 1;
    });
    return socket;
  });
  return async () => {
    for (const socket of sockets) socket.close();
  };
}

async function write(args: string[]): Promise<WriterReport> {
  const [base, token, key, rateArg, secondsArg, run] = args;
  const rate = Number(rateArg);
  const count = Math.round(rate * Number(secondsArg));
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const failed = (what: unknown) => {
    errors += 1;
    firstError ??= typeof what === 'string' ? what : JSON.stringify(what);
  };
  const start = now();
  const sends: Promise<void>[] = [];
  for (let n = 0; n < count; n++) {
    const due = start + (n * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = now();
    sends.push(
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }',
          variables: { input: { incidentKey: key, text: noteText(run, n, sentAt) } },
        }),
      })
        .then(async (res) => {
          const body = (await res.json()) as { errors?: unknown };
          if (body.errors) failed(body.errors);
          else latenciesMs.push(now() - sentAt);
        })
        .catch((err: unknown) => failed(String(err))),
    );
  }
  await Promise.all(sends);
  return { firstSentAt: start, lastSentAt: now(), latenciesMs, errors, firstError };
}

async function main(): Promise<void> {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'write') {
    process.send?.(await write(args));
    process.exit(0);
  }
  const receipts = new Receipts();
  const stop = role === 'graphql' ? graphqlSubscribers(receipts, args) : wsReceivers(receipts, args);
  process.on('message', (message: { type: string; run?: string }) => {
    if (message.type === 'report') process.send?.(receipts.report(message.run ?? ''));
    if (message.type === 'stop') void stop().then(() => process.exit(0));
  });
}

if (require.main === module) void main();
