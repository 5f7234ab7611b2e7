// addNote's latency over HTTP with no live subscriber, then with 1,000 subscribed to its incident
// (10 sockets x 100, in another process: bench/subscribers.ts), 20 notes one after another each
// way. Moved here as it was; the subscribers attach once, so the two sides run one after the
// other, not alternated round by round.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { databaseLabel, gql } from './context';
import { figure, row, type Scenario } from './harness';

const FANOUT_SOCKETS = 10;
const FANOUT_PER_SOCKET = 100; // WS_MAX_SUBSCRIPTIONS_PER_SOCKET's default
const FANOUT_NOTES = 20;

export const fanout: Scenario = async (ctx) => {
  const { hub, base, token } = ctx;
  const [{ key }] = (await hub.database.dataSource.query(
    `SELECT key FROM incident ORDER BY acknowledged_at DESC, id DESC LIMIT 1`,
  )) as { key: string }[];
  const addNote = (text: string) =>
    gql(ctx, 'mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }', {
      input: { incidentKey: key, text },
    });
  // notes one after another, as a busy incident gets them; each note's latency
  const notes = async (label: string) => {
    const ms: number[] = [];
    for (let i = 0; i < FANOUT_NOTES; i++) {
      const start = performance.now();
      await addNote(`${label} ${i}`);
      ms.push(performance.now() - start);
    }
    return ms;
  };
  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 120_000) => {
    const start = performance.now();
    while (!(await done())) {
      if (performance.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await addNote('warm up');
  const alone = await notes('alone');

  const subscribers = FANOUT_SOCKETS * FANOUT_PER_SOCKET;
  const child = fork(join(__dirname, 'subscribers.js'), [
    `${base.replace(/^http/, 'ws')}/graphql`,
    token,
    key,
    String(FANOUT_SOCKETS),
    String(FANOUT_PER_SOCKET),
  ]);
  const counts = () =>
    new Promise<{ received: number; errors: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { received: number; errors: number }));
      child.send('count');
    });
  let last = { received: 0, errors: 0 };
  let watched: number[];
  let allDeliveredMs: number;
  try {
    await until('the subscriptions to attach', async () => {
      last = await counts();
      return hub.pubsub.listenerCount >= subscribers;
    }).catch((err: Error) => {
      throw new Error(`${err.message} (${hub.pubsub.listenerCount} attached, ${last.errors} refused)`);
    });
    const started = performance.now();
    watched = await notes('watched');
    await until('every delivery', async () => {
      last = await counts();
      return last.received + last.errors >= subscribers * FANOUT_NOTES;
    });
    allDeliveredMs = Math.round(performance.now() - started);
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    // the subscribers' process never outlives the part
    if (child.exitCode === null) child.kill();
  }

  return [
    row({
      name: 'fanout',
      what: `addNote over HTTP, ${FANOUT_NOTES} notes one after another, with ${subscribers} live subscribers (${FANOUT_SOCKETS} sockets x ${FANOUT_PER_SOCKET}, another process) to its incident; not alternated`,
      database: await databaseLabel(ctx),
      hub: figure(`${subscribers} subscribers`, 'ms', watched),
      baseline: figure('no subscriber', 'ms', alone),
      // issue 15 item 1: within 20% of its latency with no subscribers
      goal: 0.83,
      extra: { deliveries: { ...last, allDeliveredMs } },
    }),
  ];
};
