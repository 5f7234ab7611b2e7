// The load run's generator, in a process of its own (forked by bench/load.ts) so its work does not
// share the hub's CPU turn: autocannon with N connections for S seconds. Either GET /healthz only
// (the baseline), or the mix of issue 14: of every 20 requests 16 dashboard queries, 3 mutations
// (addNote, changeStage, addNote on the connection's own data-set incident, so no two connections
// change one incident) and 1 Alertmanager webhook signed with its bearer secret. Every response is
// checked: a non-2xx status, a GraphQL `errors` or a webhook answer without `"ok":true` counts as
// an error. Answers the parent with counts, per-kind p50/p99 and requests per second.
import autocannon from 'autocannon';
import { quantile } from './harness';

export interface LoadOrder {
  base: string;
  token: string;
  alertmanagerSecret: string;
  connections: number;
  seconds: number;
  /** Movable incidents (INVESTIGATING or IDENTIFIED), at least one per connection; none: /healthz. */
  incidents: { key: string; stage: string }[];
  dashboardQuery: string;
}

export type Kind = 'dashboard' | 'addNote' | 'changeStage' | 'webhook' | 'healthz';

export interface LoadResult {
  requests: number;
  errors: number;
  /** Requests answered without error in each second of the run. */
  perSecond: number[];
  kinds: Partial<Record<Kind, { requests: number; errors: number; p50: number; p99: number }>>;
  /** Requests that got no answer (timeouts, connection errors). */
  unanswered: number;
  samples: string[];
}

const SCHEDULE: Kind[] = Array.from({ length: 20 }, (_, i) =>
  i === 4 || i === 17 ? 'addNote' : i === 12 ? 'changeStage' : i === 9 ? 'webhook' : 'dashboard',
);

function run(order: LoadOrder): Promise<LoadResult> {
  const mixed = order.incidents.length > 0;
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${order.token}` };
  const graphql = (query: string, variables: Record<string, unknown>) => ({
    method: 'POST',
    path: '/graphql',
    headers: auth,
    body: JSON.stringify({ query, variables }),
  });
  const stages = order.incidents.map((i) => i.stage);
  let counter = 0;
  let webhooks = 0;
  let nextConnection = 0;
  const latencies = new Map<Kind, number[]>();
  const errors = new Map<Kind, number>();
  const samples: string[] = [];

  const build = (context: Record<string, unknown>) => {
    const conn = context.conn as number | undefined;
    // a connection's first request is built before it is numbered: a dashboard query
    const kind: Kind = !mixed
      ? 'healthz'
      : conn === undefined
        ? 'dashboard'
        : SCHEDULE[counter++ % SCHEDULE.length];
    context.kind = kind;
    const incident = conn === undefined ? 0 : conn % order.incidents.length;
    switch (kind) {
      case 'healthz':
        return { method: 'GET', path: '/healthz' };
      case 'dashboard':
        return graphql(order.dashboardQuery, { first: 50 });
      case 'addNote':
        return graphql('mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }', {
          input: { incidentKey: order.incidents[incident].key, text: `Load note ${counter}` },
        });
      case 'changeStage': {
        stages[incident] = stages[incident] === 'INVESTIGATING' ? 'IDENTIFIED' : 'INVESTIGATING';
        return graphql('mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key stage } }', {
          input: { incidentKey: order.incidents[incident].key, stage: stages[incident] },
        });
      }
      case 'webhook': {
        webhooks += 1;
        const at = new Date().toISOString();
        return {
          method: 'POST',
          path: '/webhooks/alertmanager',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${order.alertmanagerSecret}`,
          },
          body: JSON.stringify({
            version: '4',
            groupKey: `{}:{alertname="BenchLoad"}`,
            truncatedAlerts: 0,
            status: 'firing',
            receiver: 'incident-hub',
            groupLabels: { alertname: 'BenchLoad' },
            commonLabels: { alertname: 'BenchLoad', severity: 'warning' },
            commonAnnotations: {},
            externalURL: 'http://alertmanager.bench:9093',
            alerts: [
              {
                status: 'firing',
                labels: { alertname: 'BenchLoad', severity: 'warning', instance: `bench-${webhooks}` },
                annotations: { summary: `Bench load alert ${webhooks}` },
                startsAt: at,
                endsAt: '0001-01-01T00:00:00Z',
                generatorURL: 'http://prometheus.bench:9090/graph',
                fingerprint: `bench-load-${process.pid}-${webhooks}`,
              },
            ],
          }),
        };
      }
    }
  };

  const failed = (kind: Kind, status: number, body: string) => {
    if (status < 200 || status > 299) return true;
    if (kind === 'webhook') return !body.includes('"ok":true');
    if (kind === 'healthz') return false;
    return body.includes('"errors":');
  };

  return new Promise((resolve, reject) => {
    const perSecond: number[] = Array.from({ length: order.seconds }, () => 0);
    let unanswered = 0;
    const instance = autocannon({
      url: order.base,
      connections: order.connections,
      duration: order.seconds,
      // a slow answer is measured, not dropped: only one that takes a minute counts as unanswered
      timeout: 60,
      requests: [
        {
          setupRequest: (request, context) => ({ ...request, ...build(context) }),
          onResponse: (status, body, context) => {
            const kind = context.kind as Kind;
            context.failed = failed(kind, status, body);
            if (!context.failed) return;
            errors.set(kind, (errors.get(kind) ?? 0) + 1);
            if (samples.length < 5) samples.push(`${kind} ${status}: ${body.slice(0, 300)}`);
          },
        },
      ],
      setupClient: (client) => {
        const it = client.requestIterator;
        const { kind } = it.context;
        it.initialContext = { conn: nextConnection++ };
        it.resetContext();
        it.context.kind = kind;
      },
    });
    const started = Date.now();
    instance.on('response', (client, _status, _bytes, ms) => {
      const { kind, failed: wrong } = client.requestIterator.context as { kind: Kind; failed: boolean };
      const second = Math.floor((Date.now() - started) / 1000);
      if (second < order.seconds) {
        while (perSecond.length <= second) perSecond.push(0);
        if (!wrong) perSecond[second] += 1;
      }
      const list = latencies.get(kind) ?? [];
      list.push(ms);
      latencies.set(kind, list);
    });
    instance.on('reqError', () => {
      unanswered += 1;
    });
    instance.on('done', () => {
      const kinds: LoadResult['kinds'] = {};
      for (const [kind, ms] of latencies) {
        kinds[kind] = {
          requests: ms.length,
          errors: errors.get(kind) ?? 0,
          p50: Math.round(quantile(ms, 0.5)),
          p99: Math.round(quantile(ms, 0.99)),
        };
      }
      const requests = [...latencies.values()].reduce((n, ms) => n + ms.length, 0);
      resolve({
        requests,
        errors: [...errors.values()].reduce((n, e) => n + e, 0),
        perSecond,
        kinds,
        unanswered,
        samples,
      });
    });
    instance.on('error', reject);
  });
}

process.once('message', (order: LoadOrder) => {
  run(order).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: Error) => {
      process.send?.({ error: err.message }, () => process.exit(1));
    },
  );
});
