// `npm run bench -- fanout` (issue 15 item 1, issue 14 item 3): 1,000 graphql-ws subscribers
// (10 sockets x 100, WS_MAX_SUBSCRIPTIONS_PER_SOCKET's default; half incidentChanged, half
// timelineEntryAdded) of one incident while notes are added at 10 changes/s, against
//  - a raw `ws` broadcast of the same payloads to the same number of receivers (a tiny ws server
//    here, sending each tick's payload once per receiver with the receiver's id spliced in), for
//    the delivery latency and the delivered events/s;
//  - the same writes with no subscriber, for the mutation's own round trip.
// Writers and receivers run in their own processes (bench/subscribers.ts); each note's text
// carries its send time, and receivers compare it with the time it arrives (one machine, one
// clock). Rounds alternate A/B then B/A (bench/harness.ts). BENCH_FANOUT_SECONDS sets each arm's
// length (default 30), BENCH_FANOUT_ROUNDS the rounds (default 5); BENCH_FANOUT_SECONDS=5 for a
// short run while developing.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ImpactLevel, UrgencyLevel } from '../src/domain/enums';
import { alternate, type BenchContext, figure, median, quantile, row, type Scenario } from './harness';
import { noteText, now, type ReceiverReport, type WriterReport } from './subscribers';

const SOCKETS = 10;
const PER_SOCKET = 100; // WS_MAX_SUBSCRIPTIONS_PER_SOCKET's default
const RATE = 10; // changes per second

interface ArmResult {
  /** Delivery latency over every result of the arm, ms. */
  p50: number;
  p99: number;
  /** Results delivered per second, from the first change sent to the last result received. */
  eventsPerSecond: number;
  delivered: number;
  expected: number;
}

/** Waits until `done` holds, polling; throws naming `what` after `timeoutMs`. */
async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > timeoutMs) throw new Error(`bench fanout: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const load = (...args: string[]): ChildProcess => fork(join(__dirname, 'subscribers.js'), args);

async function ask<T>(child: ChildProcess, message: object): Promise<T> {
  const answer = once(child, 'message') as Promise<[T]>;
  child.send(message);
  return (await answer)[0];
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.send({ type: 'stop' });
  await exited;
}

/** Receivers' results of the run, until all `expected` have come or `graceMs` has passed without more. */
async function collected(child: ChildProcess, run: string, expected: number, graceMs = 15_000) {
  let report = await ask<ReceiverReport>(child, { type: 'report', run });
  let lastChange = Date.now();
  while (report.ofRun < expected && Date.now() - lastChange < graceMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await ask<ReceiverReport>(child, { type: 'report', run });
    if (next.ofRun !== report.ofRun) lastChange = Date.now();
    report = next;
  }
  return report;
}

function arm(report: ReceiverReport, firstSentAt: number, expected: number): ArmResult {
  const ms = report.latenciesMs.length ? report.latenciesMs : [Number.POSITIVE_INFINITY];
  return {
    p50: quantile(ms, 0.5),
    p99: quantile(ms, 0.99),
    eventsPerSecond: report.ofRun / Math.max(0.001, (report.lastAt - firstSentAt) / 1000),
    delivered: report.ofRun,
    expected,
  };
}

/** The payloads a subscriber of each kind gets for the incident's newest note, as the hub sends them. */
async function samplePayloads(ctx: BenchContext, key: string) {
  const res = await fetch(`${ctx.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify({
      query: `query ($key: String!) { incident(key: $key) { key stage priority incidentManager { name }
        timeline(first: 5, newestFirst: true) { nodes { kind text } }
        newest: timeline(first: 1, newestFirst: true) { nodes { kind text actor { name } incident { key } } } } }`,
      variables: { key },
    }),
  });
  const body = (await res.json()) as {
    errors?: unknown;
    data: {
      incident: { timeline: { nodes: { text: string }[] }; newest: { nodes: { text: string }[] } } & Record<
        string,
        unknown
      >;
    };
  };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const { newest, ...changed } = body.data.incident;
  const added = newest.nodes[0];
  return (text: string) => {
    changed.timeline.nodes[0].text = text;
    added.text = text;
    return [
      JSON.stringify({ data: { incidentChanged: changed } }),
      JSON.stringify({ data: { timelineEntryAdded: added } }),
    ];
  };
}

export const fanout: Scenario = async (ctx) => {
  const seconds = Number(process.env.BENCH_FANOUT_SECONDS ?? 30);
  const rounds = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);
  const { hub } = ctx;
  const [{ slug }] = (await hub.database.dataSource.query(
    'SELECT slug FROM client ORDER BY slug LIMIT 1',
  )) as {
    slug: string;
  }[];
  const { key } = await hub.services.incidents.declareIncident(ctx.actor, {
    summary: 'Fan-out bench',
    clientImpactLevel: ImpactLevel.SIGNIFICANT,
    clientUrgencyLevel: UrgencyLevel.HIGH,
    affectedClientSlugs: [slug],
  });
  await hub.services.updates.addNote(ctx.actor, { incidentKey: key, text: noteText('warm', 0, now()) });
  const payloads = await samplePayloads(ctx, key);
  const subscribers = SOCKETS * PER_SOCKET;
  const changes = Math.round(RATE * seconds);
  const wsUrl = `${ctx.base.replace(/^http/, 'ws')}/graphql`;
  let runs = 0;
  let failedWrites = 0;
  let firstFailure: string | undefined;

  const writer = async (run: string): Promise<WriterReport> => {
    const child = load('write', ctx.base, ctx.token, key, String(RATE), String(seconds), run);
    const [report] = (await once(child, 'message')) as [WriterReport];
    await once(child, 'exit');
    // failed notes count in no latency; the rows say how many there were
    failedWrites += report.errors;
    if (report.firstError) firstFailure ??= report.firstError;
    return report;
  };

  // A: the hub, 1,000 subscribers and the writer.
  const hubRuns: (ArmResult & {
    writeMs: number;
    serialisedPerChange: number;
    statementsPerChange: number;
    cpuMsPerChange: number;
  })[] = [];
  const viaHub = async () => {
    const run = `h${runs++}`;
    const listening = hub.pubsub.listenerCount;
    const child = load('graphql', wsUrl, ctx.token, key, String(SOCKETS), String(PER_SOCKET));
    await until(
      'the subscriptions to attach',
      () => hub.pubsub.listenerCount >= listening + subscribers,
      300_000,
    );
    const { serialised } = hub.websocket.fanOut.stats;
    const statements = hub.database.queries.count;
    const cpu = process.cpuUsage();
    const written = await writer(run);
    const expected = written.latenciesMs.length * subscribers;
    const report = await collected(child, run, expected);
    const used = process.cpuUsage(cpu);
    const result = {
      // the hub process's CPU (user + system) per change: its writes, loads, executions and sends
      cpuMsPerChange: (used.user + used.system) / 1000 / written.latenciesMs.length,
      ...arm(report, written.firstSentAt, expected),
      writeMs: median(written.latenciesMs),
      serialisedPerChange: (hub.websocket.fanOut.stats.serialised - serialised) / changes,
      statementsPerChange: (hub.database.queries.count - statements) / changes,
    };
    if (report.errors)
      throw new Error(`bench fanout: ${report.errors} subscription errors, e.g. ${report.firstError}`);
    await stop(child);
    await until('the subscriptions to end', () => hub.pubsub.listenerCount <= listening);
    hubRuns.push(result);
    return result.p99;
  };

  // B: a raw ws broadcast of the same payloads to as many receivers, and the writer alone.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const baseUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const wsRuns: ArmResult[] = [];
  const quietMs: number[] = [];
  const broadcast = async () => {
    const run = `w${runs++}`;
    const child = load('ws', baseUrl, String(SOCKETS));
    await until('the baseline receivers to connect', () => wss.clients.size >= SOCKETS);
    const sockets = [...wss.clients] as WebSocket[];
    const firstSentAt = now();
    for (let n = 0; n < changes; n++) {
      const wait = firstSentAt + (n * 1000) / RATE - now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const [changed, added] = payloads(noteText(run, n, now()));
      for (const socket of sockets) {
        for (let i = 0; i < PER_SOCKET; i++) {
          socket.send(`{"id":"${i}","type":"next","payload":${i % 2 === 0 ? changed : added}}`);
        }
      }
    }
    const report = await collected(child, run, changes * subscribers);
    await stop(child);
    await until('the baseline receivers to go', () => wss.clients.size === 0);
    wsRuns.push(arm(report, firstSentAt, changes * subscribers));
  };
  const quiet = async () => {
    const written = await writer(`q${runs++}`);
    quietMs.push(median(written.latenciesMs));
  };
  let baselineRound = 0;
  const viaBaseline = async () => {
    if (baselineRound++ % 2 === 0) {
      await broadcast();
      await quiet();
    } else {
      await quiet();
      await broadcast();
    }
    return wsRuns[wsRuns.length - 1].p99;
  };

  await alternate(rounds, viaHub, viaBaseline);
  wss.close();
  // the first of each is the warm-up
  const hubs = hubRuns.slice(1);
  const raws = wsRuns.slice(1);
  const quiets = quietMs.slice(1);
  const database = hub.database.kind;
  const load1000 = `${subscribers} graphql-ws subscribers (${SOCKETS} sockets x ${PER_SOCKET}, another process) at ${RATE} changes/s for ${seconds} s`;
  const p99s = hubs.map((r) => r.p99);
  return [
    row({
      name: 'fanout-latency',
      what: `delivery latency p99, ${load1000}`,
      database,
      hub: figure('hub', 'ms', p99s),
      baseline: figure(
        'raw ws broadcast',
        'ms',
        raws.map((r) => r.p99),
      ),
      extra: {
        p50Ms: { hub: median(hubs.map((r) => r.p50)), ws: median(raws.map((r) => r.p50)) },
        target: 'p99 <= 100 ms',
        targetMet: median(p99s) <= 100,
        delivered: hubs.map((r) => `${r.delivered}/${r.expected}`),
      },
    }),
    row({
      name: 'fanout-throughput',
      what: `delivered events/s, ${load1000}`,
      database,
      hub: figure(
        'hub',
        'events/s',
        hubs.map((r) => r.eventsPerSecond),
      ),
      baseline: figure(
        'raw ws broadcast',
        'events/s',
        raws.map((r) => r.eventsPerSecond),
      ),
      goal: 0.5,
      extra: {
        payloadsSerialisedPerChange: median(hubs.map((r) => r.serialisedPerChange)),
        statementsPerChange: median(hubs.map((r) => r.statementsPerChange)),
        hubCpuMsPerChange: median(hubs.map((r) => r.cpuMsPerChange)),
      },
    }),
    row({
      name: 'fanout-write',
      what: `addNote round trip (median), with ${load1000}, against no subscriber`,
      database,
      hub: figure(
        `with ${subscribers} subscribers`,
        'ms',
        hubs.map((r) => r.writeMs),
      ),
      baseline: figure('no subscriber', 'ms', quiets),
      // within 20% of the latency with no subscriber: baseline/hub >= 1/1.2
      goal: 0.83,
      extra: { failedWrites, ...(firstFailure ? { firstFailure } : {}) },
    }),
  ];
};
