// npm run walk: a scripted P1, start to end, with every vendor on against the local fakes (the
// setup of npm run demo:vendors, on a fresh in-memory embedded database). A signed Zendesk webhook
// about a ticket (client and site tags, extensive impact, critical urgency, faulty service) declares
// the incident; then, through GraphQL over HTTP as the incident manager: assignRole, INVESTIGATING,
// an EXTERNAL status update, escalate, MITIGATED, POSTMORTEM, CLOSED. After each step it waits
// (bounded) for the incident's integration effects to settle, and at the end reports the timeline,
// every effect, what each fake received and what they rejected. Exit code 1 when an effect is DEAD
// or never settled, a fake recorded an invalid or unserved call, or a step failed.
import 'reflect-metadata';
import { Writable } from 'node:stream';
import type { Database } from '../src/database/database';
import { createLogger } from '../src/logger';
import type { RecordedCall } from '../test/support/fakes/fake-vendor';
import {
  ASSIGN_ROLE,
  CHANGE_STAGE,
  CREATE_API_TOKEN,
  ESCALATE,
  INCIDENT_INTEGRATION,
  INCIDENT_KEY,
  INCIDENT_TIMELINE,
  POST_STATUS_UPDATE,
  UPSERT_CLIENT,
  UPSERT_PERSON,
  UPSERT_SERVICE,
  UPSERT_SITE,
  UPSERT_TEAM,
  type IntegrationEffectFields,
  type Operation,
} from '../test/support/operations';
import { zendeskHeaders } from '../test/support/webhooks';
import {
  DEMO_SECRETS,
  startDemo,
  VENDORS,
  ZENDESK_FIELDS,
  type Demo,
  type VendorFakes,
} from './demo-vendors';

export interface WalkOptions {
  /** A database opened by the caller (left open); default: a fresh in-memory embedded one. */
  database?: Database;
  /** Progress lines as the walk goes (default: none). */
  progress?: (line: string) => void;
  /** How long one step may wait for its effects to settle (default 20 s). */
  settleTimeoutMs?: number;
  /** Texts in full in the report (default: cut to one line each). */
  full?: boolean;
  /** Called once the fakes are up, before the walk (e.g. to inject a fault and see the walk fail). */
  prepare?: (fakes: VendorFakes) => void;
}

export interface WalkEffect {
  system: string;
  action: string;
  state: string;
  attempts: number;
  lastError: string | null;
}

export interface WalkReport {
  /** No DEAD or unsettled effect, no invalid or unserved call, every step done. */
  ok: boolean;
  problems: string[];
  incidentKey: string | null;
  effects: WalkEffect[];
  invalidCalls: { vendor: string; call: string; errors: string[] }[];
  /** The whole report, readable. */
  text: string;
  durationMs: number;
}

const SETTLED = new Set(['DONE', 'DEAD', 'DISABLED']);

class GraphqlError extends Error {}

function client(url: string) {
  return async function gql<TData, TVariables>(
    query: Operation<TData, TVariables>,
    variables: TVariables,
    token: string,
  ): Promise<TData> {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: TData | null; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) {
      throw new GraphqlError(
        (body.errors ?? []).map((e) => e.message).join('; ') || `HTTP ${res.status} without data`,
      );
    }
    return body.data;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the walk and reports; never throws for what it finds (only for a setup that cannot start). */
export async function runWalk(options: WalkOptions = {}): Promise<WalkReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const settleTimeoutMs = options.settleTimeoutMs ?? 20_000;
  const hubLog: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      hubLog.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  progress('starting the fake vendors and the hub…');
  const demo = await startDemo({
    env: {},
    database: options.database,
    seedDemoData: false,
    port: 0,
    host: '127.0.0.1',
    log: createLogger('warn', sink),
  });
  const problems: string[] = [];
  const steps: string[] = [];
  let key: string | null = null;
  let effects: WalkEffect[] = [];
  let timeline: { kind: string; text: string; occurredAt: string; actor: { name: string } | null }[] = [];
  try {
    const gql = client(demo.url);
    const admin = demo.adminToken;
    progress(`hub up at ${demo.url} (${Date.now() - started} ms); setting up the catalogue…`);

    // ---- the catalogue: a client with two sites, the faulty service's team, a team to escalate to
    const albertsons = { slug: 'albertsons', name: 'Albertsons', slackChannel: '#albertsons-prod' };
    await gql(UPSERT_CLIENT, { input: albertsons }, admin);
    for (const [siteId, location] of [
      ['ab0001', 'dallas-tx'],
      ['ab0002', 'boise-id'],
    ]) {
      await gql(UPSERT_SITE, { input: { siteId, location, clientSlug: 'albertsons' } }, admin);
    }
    const software = (
      await gql(
        UPSERT_TEAM,
        {
          input: {
            name: 'Fulfillment Software',
            opsgenieTeam: 'fulfillment-software',
            opsgenieSchedule: 'fulfillment-software-schedule',
          },
        },
        admin,
      )
    ).upsertTeam;
    const platform = (
      await gql(
        UPSERT_TEAM,
        { input: { name: 'Platform', opsgenieTeam: 'platform', opsgenieSchedule: 'platform-schedule' } },
        admin,
      )
    ).upsertTeam;
    await gql(UPSERT_SERVICE, { input: { name: 'Order Sync', teamId: software.id } }, admin);
    const dana = (
      await gql(
        UPSERT_PERSON,
        {
          input: {
            email: 'dana.whitfield@example.com',
            name: 'Dana Whitfield',
            slackUserId: 'U01DANA001',
            teamId: software.id,
            accessRole: 'INCIDENT_MANAGER',
            opsgenieUser: 'dana.whitfield@example.com',
          },
        },
        admin,
      )
    ).upsertPerson;
    const manager = (await gql(CREATE_API_TOKEN, { input: { personId: dana.id, name: 'walk: Dana' } }, admin))
      .createApiToken.secret;
    await demo.syncSlackUsers();
    options.prepare?.(demo.fakes);

    const effectsNow = async (): Promise<WalkEffect[]> => {
      if (!key) return [];
      const data = await gql(INCIDENT_INTEGRATION, { key }, manager);
      return (data.incident?.integrationEffects ?? []).map((e: IntegrationEffectFields) => ({
        system: e.system,
        action: e.action,
        state: e.state,
        attempts: e.attempts,
        lastError: e.lastError,
      }));
    };
    /** Waits until every effect of the incident is DONE, DEAD or DISABLED, or the time is up. */
    const settle = async (what: string): Promise<void> => {
      const from = Date.now();
      for (;;) {
        effects = await effectsNow();
        const open = effects.filter((e) => !SETTLED.has(e.state));
        if (open.length === 0) {
          const dead = effects.filter((e) => e.state === 'DEAD').length;
          steps.push(
            `  ${what}: ${effects.length} effects settled in ${Date.now() - from} ms${dead ? `, ${dead} DEAD` : ''}`,
          );
          progress(steps[steps.length - 1].trim());
          return;
        }
        if (Date.now() - from > settleTimeoutMs) {
          const list = open.map((e) => `${e.action} ${e.state}`).join(', ');
          problems.push(`${what}: effects still unsettled after ${settleTimeoutMs} ms: ${list}`);
          steps.push(`  ${what}: NOT SETTLED after ${settleTimeoutMs} ms (${list})`);
          progress(steps[steps.length - 1].trim());
          return;
        }
        await sleep(250);
      }
    };
    const step = async (what: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        problems.push(`${what} failed: ${message}`);
        steps.push(`  ${what}: FAILED: ${message}`);
        progress(steps[steps.length - 1].trim());
        return;
      }
      await settle(what);
    };

    // ---- 1. the ticket that declares the P1
    const ticket = demo.fakes.zendesk.seedTicket({
      subject: 'All Dallas and Boise orders stuck in picking',
      comment: 'No orders have been picked at Dallas or Boise since 9am; trucks leave at 2pm.',
      requesterEmail: 'store.manager@albertsons.example.com',
      status: 'open',
      priority: 'high',
      tags: ['albertsons', 'ab0001', 'ab0002'],
      custom_fields: [
        { id: ZENDESK_FIELDS.impact, value: 'impact_extensive' },
        { id: ZENDESK_FIELDS.urgency, value: 'urgency_critical' },
        { id: ZENDESK_FIELDS.service, value: 'order_sync' },
      ],
    });
    await step(`Zendesk webhook: ticket #${ticket.id} created`, async () => {
      const body = JSON.stringify(ticketEvent(ticket));
      const res = await fetch(`${demo.url}/webhooks/zendesk`, {
        method: 'POST',
        body,
        headers: zendeskHeaders(DEMO_SECRETS.zendesk, body),
      });
      if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
      const expected = `albertsons-incident-${ticket.id}`;
      const deadline = Date.now() + settleTimeoutMs;
      while (!(await gql(INCIDENT_KEY, { key: expected }, manager)).incident) {
        if (Date.now() > deadline) throw new Error(`no incident ${expected} after ${settleTimeoutMs} ms`);
        await sleep(200);
      }
      key = expected;
      steps.push(`  declared ${key} from ticket #${ticket.id}`);
    });
    if (!key) throw new GraphqlError('the ticket declared no incident; the walk cannot go on');
    const incidentKey: string = key;

    // ---- 2. the incident manager's walk
    await step('assignRole SOFTWARE_INCIDENT_MANAGER Dana Whitfield', () =>
      gql(
        ASSIGN_ROLE,
        { input: { incidentKey, role: 'SOFTWARE_INCIDENT_MANAGER', personId: dana.id } },
        manager,
      ),
    );
    const stage = (s: string, note?: string) =>
      step(`changeStage ${s}`, () =>
        gql(CHANGE_STAGE, { input: { incidentKey, stage: s, ...(note ? { note } : {}) } }, manager),
      );
    await stage('INVESTIGATING');
    await step('postStatusUpdate EXTERNAL', () =>
      gql(
        POST_STATUS_UPDATE,
        {
          input: {
            incidentKey,
            audience: 'EXTERNAL',
            clientImpact: 'Orders at Dallas and Boise are not being picked; same-day deliveries are at risk.',
            knownProblem: 'Order Sync stopped handing orders to the picking system at 9:02.',
            attempted: 'Restarted the Order Sync workers; no change.',
            nextSteps: 'Rolling back this morning’s Order Sync release; next update in 30 minutes.',
          },
        },
        manager,
      ),
    );
    await step('escalate to Platform', () =>
      gql(
        ESCALATE,
        {
          input: {
            incidentKey,
            teamId: platform.id,
            reason: 'Order Sync cannot reach the picking system: network suspected',
          },
        },
        manager,
      ),
    );
    await stage('MITIGATED', 'Rollback done; orders flowing again at both sites.');
    await stage('POSTMORTEM');
    await stage('CLOSED');

    timeline = (await gql(INCIDENT_TIMELINE, { key: incidentKey, first: 100 }, manager)).incident?.timeline
      .nodes as typeof timeline;
    effects = await effectsNow();
  } catch (err) {
    problems.push(`the walk stopped: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await demo.close().catch((err: unknown) => problems.push(`shutdown failed: ${String(err)}`));
  }

  // ---- the verdict
  for (const e of effects.filter((e) => e.state === 'DEAD')) {
    problems.push(`effect ${e.action} is DEAD after ${e.attempts} attempts: ${e.lastError ?? '(no error)'}`);
  }
  const invalidCalls = VENDORS.flatMap((vendor) =>
    demo.fakes[vendor].invalidCalls.map((c) => ({
      vendor,
      call: `${c.method} ${c.path}`,
      errors: c.validationErrors,
    })),
  );
  for (const c of invalidCalls) problems.push(`${c.vendor} rejected ${c.call}: ${c.errors.join('; ')}`);
  for (const vendor of VENDORS) {
    for (const c of demo.fakes[vendor].unservedCalls) {
      problems.push(
        `${vendor} could not serve ${c.method} ${c.path}${c.handlerError ? ' (fake crashed)' : ''}`,
      );
    }
  }
  const durationMs = Date.now() - started;
  width = options.full ? Infinity : 110;
  const text = render({ key, steps, timeline, effects, fakes: demo.fakes, hubLog, problems, durationMs });
  return { ok: problems.length === 0, problems, incidentKey: key, effects, invalidCalls, text, durationMs };
}

/** Zendesk's event envelope for a created ticket (as its event-subscribed webhooks send it). */
function ticketEvent(ticket: {
  id: number;
  subject: string;
  status: string;
  priority: string | null;
  tags: string[];
  updated_at: string;
}) {
  return {
    type: 'zen:event-type:ticket.created',
    account_id: 10001,
    id: `01WALK${Date.now()}`,
    time: new Date().toISOString(),
    zendesk_event_version: '2022-11-06',
    subject: `zen:ticket:${ticket.id}`,
    detail: {
      id: String(ticket.id),
      subject: ticket.subject,
      status: ticket.status.toUpperCase(),
      priority: ticket.priority?.toUpperCase() ?? null,
      tags: ticket.tags,
      updated_at: ticket.updated_at,
    },
    event: {},
  };
}

// ---------------------------------------------------------------- the report

/** How much of a text the report shows (npm run walk -- --full: all of it). */
let width = 110;
const cut = (s: unknown, n = width): string => {
  const text = String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
};
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const fields = (pairs: [string, unknown][], n = width): string =>
  pairs
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(cut(v, n)) : cut(JSON.stringify(v), n)}`)
    .join(' ');

/** The key fields of one call, as an incident manager would want to read them. */
export function describeCall(vendor: string, call: RecordedCall, fakes: VendorFakes): string {
  const body = record(call.body);
  const response = record(call.response);
  if (vendor === 'slack') {
    const args: Record<string, unknown> = { ...call.query, ...body };
    const channelId = typeof args.channel === 'string' ? args.channel : undefined;
    const channel = channelId ? fakes.slack.channel(channelId) : undefined;
    const outcome = response.ok === false ? ` → ${String(response.error)}` : '';
    return `${call.operation ?? call.path} ${fields([
      ['channel', channel ? `#${channel.name}` : channelId],
      ['name', args.name],
      ['topic', args.topic],
      ['users', args.users],
      ['text', args.text],
      ['ts', args.ts ?? args.timestamp],
    ])}${outcome}`;
  }
  const head = `${call.method} ${call.path}`;
  const status = call.status === undefined ? ' → no answer' : ` → ${call.status}`;
  if (vendor === 'opsgenie') {
    return `${head} ${fields([
      ['alias', body.alias],
      ['priority', body.priority],
      ['message', body.message],
      ['description', body.description],
      [
        'responders',
        Array.isArray(body.responders)
          ? body.responders.map((r) => record(r).name ?? record(r).id)
          : undefined,
      ],
      ['note', body.note],
      ['query', Object.keys(call.query).length ? call.query : undefined],
    ])}${status}`;
  }
  if (vendor === 'jira') {
    const f = record(body.fields);
    const transitionId = record(body.transition).id;
    const transition = fakes.jira.transitions.find((t) => t.id === transitionId);
    return `${head} ${fields([
      ['summary', f.summary],
      ['priority', record(f.priority).name],
      ['labels', f.labels],
      ['transition', transition ? `${transition.name} → ${transition.to}` : transitionId],
      ['comment', body.body === undefined ? undefined : fakes.jira.text(body.body)],
      ['jql', body.jql ?? call.query.jql],
    ])}${status}`;
  }
  if (vendor === 'statuspage') {
    const i = record(body.incident);
    return `${head} ${fields([
      ['name', i.name],
      ['status', i.status],
      ['impact', i.impact_override],
      ['components', i.components],
      ['body', i.body],
    ])}${status}`;
  }
  if (vendor === 'zendesk') {
    const t = record(body.ticket);
    const c = record(t.comment);
    return `${head} ${fields([
      ['query', Object.keys(call.query).length ? call.query : undefined],
      ['subject', t.subject],
      ['external_id', t.external_id],
      ['status', t.status],
      ['public', c.public],
      ['comment', c.body],
    ])}${status}`;
  }
  return `${head}${status}`;
}

function render(r: {
  key: string | null;
  steps: string[];
  timeline: { kind: string; text: string; occurredAt: string; actor: { name: string } | null }[];
  effects: WalkEffect[];
  fakes: VendorFakes;
  hubLog: string[];
  problems: string[];
  durationMs: number;
}): string {
  const out: string[] = [];
  out.push(`P1 walk: ${r.key ?? '(no incident)'}, ${(r.durationMs / 1000).toFixed(1)} s`, '', 'Steps');
  out.push(...r.steps, '');
  out.push(`Timeline (${r.timeline.length} entries)`);
  for (const t of r.timeline) {
    out.push(
      `  ${t.occurredAt.slice(11, 19)}  ${t.kind.padEnd(20)} ${(t.actor?.name ?? '-').padEnd(15)} ${cut(t.text, width + 30)}`,
    );
  }
  const byState = new Map<string, number>();
  for (const e of r.effects) byState.set(e.state, (byState.get(e.state) ?? 0) + 1);
  out.push(
    '',
    `Integration effects (${r.effects.length}: ${[...byState].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'})`,
  );
  for (const e of r.effects) {
    out.push(
      `  ${e.system.padEnd(10)} ${e.action.padEnd(26)} ${e.state.padEnd(8)} attempts ${e.attempts}${e.lastError ? `  last error: ${cut(e.lastError, width + 50)}` : ''}`,
    );
  }
  for (const vendor of VENDORS) {
    const fake = r.fakes[vendor];
    out.push('', `${vendor}: ${fake.calls.length} calls, ${fake.invalidCalls.length} invalid`);
    for (const c of fake.calls) {
      const flag = c.validationErrors.length ? '  INVALID ' : c.authFailed ? '  AUTH    ' : '  ';
      out.push(`${flag}${describeCall(vendor, c, r.fakes)}`);
      for (const e of c.validationErrors) out.push(`      ! ${e}`);
    }
  }
  out.push('', 'What each vendor shows at the end');
  out.push(...endState(r.fakes).map((l) => `  ${l}`));
  const seen = observations(r.fakes);
  out.push('', `Observations (not failures): ${seen.length || 'none'}`, ...seen.map((o) => `  - ${o}`));
  const warnings = r.hubLog.filter((l) => /"level":"(warn|error|fatal)"/.test(l));
  out.push('', `Hub warnings and errors logged: ${warnings.length}`);
  for (const l of warnings.slice(0, 20)) {
    const entry = record(JSON.parse(l));
    out.push(
      `  ${String(entry.level)} ${cut(entry.msg, 80)} ${fields([
        ['action', entry.action],
        ['kind', entry.kind],
        ['err', record(entry.err).message],
      ])}`,
    );
  }
  out.push('');
  if (r.problems.length === 0) out.push('OK: no effect DEAD or unsettled, no invalid or unserved call.');
  else out.push(`FAILED (${r.problems.length}):`, ...r.problems.map((p) => `  - ${p}`));
  return out.join('\n');
}

/** The vendors' state at the end, as the people looking at each tool would see it. */
function endState(fakes: VendorFakes): string[] {
  const out: string[] = [];
  for (const channel of fakes.slack.channels.values()) {
    const messages = fakes.slack.messages(channel.id).filter((m) => m.user === fakes.slack.botUserId);
    if (messages.length === 0 && !channel.topic.value) continue;
    out.push(
      `Slack #${channel.name}${channel.is_archived ? ' (archived)' : ''}: ${messages.length} messages by the hub, ${fakes.slack.pinned(channel.id).length} pinned, members ${[...channel.members].join(' ')}`,
    );
    if (channel.topic.value) out.push(`    topic: ${cut(channel.topic.value)}`);
    for (const m of messages) out.push(`    ${cut(m.text)}`);
  }
  for (const issue of fakes.jira.issues.values()) {
    const f = issue.fields;
    out.push(
      `Jira ${issue.key}: status ${String(record(f.status).name)}, priority ${String(record(f.priority).name)}, ${issue.comments.length} comments: ${cut(f.summary)}`,
    );
  }
  for (const alert of fakes.opsgenie.alerts.values()) {
    out.push(
      `Opsgenie ${alert.alias}: ${alert.status}, ${alert.priority}, responders ${alert.responders.map((r) => r.name ?? r.id).join(', ')}, notes ${alert.notes.length}`,
    );
  }
  for (const ticket of fakes.zendesk.tickets.values()) {
    const comments = fakes.zendesk.commentsOf(ticket.id);
    if (comments.every((c) => c.author_id !== fakes.zendesk.agent.id)) continue;
    out.push(`Zendesk ticket #${ticket.id} (${ticket.status}): ${cut(ticket.subject)}`);
    for (const c of comments) {
      out.push(
        `    ${c.public ? 'public  ' : 'internal'} ${c.author_id === fakes.zendesk.agent.id ? 'hub ' : 'user'} ${cut(c.body)}`,
      );
    }
  }
  for (const incident of fakes.statuspage.incidents.values()) {
    out.push(
      `Statuspage "${incident.name}": ${incident.status}, ${incident.incident_updates.length} public updates (oldest first)`,
    );
    for (const u of [...incident.incident_updates].reverse()) out.push(`    ${u.status}: ${cut(u.body)}`);
  }
  return out;
}

/** What looked odd for an incident manager, without failing the walk. */
export function observations(fakes: VendorFakes): string[] {
  const found: string[] = [];
  for (const incident of fakes.statuspage.incidents.values()) {
    const updates = [...incident.incident_updates].reverse();
    updates.forEach((u, i) => {
      const prev = updates[i - 1];
      if (prev && prev.status === u.status && prev.body === u.body) {
        found.push(
          `Statuspage "${incident.name}" got the same public update twice in a row (${u.status}: "${cut(u.body, 60)}"), each one notifying subscribers`,
        );
      }
    });
  }
  for (const alert of fakes.opsgenie.alerts.values()) {
    if (alert.status === 'open') found.push(`Opsgenie alert ${alert.alias} is still open at the end`);
  }
  for (const issue of fakes.jira.issues.values()) {
    const status = fakes.jira.statuses.find((st) => st.name === record(issue.fields.status).name);
    if (status?.category !== 'done') found.push(`Jira ${issue.key} is not in a done status at the end`);
  }
  return found;
}

async function main(): Promise<void> {
  const report = await runWalk({
    progress: (line) => process.stderr.write(`${line}\n`),
    full: process.argv.includes('--full'),
  });
  process.stdout.write(`\n${report.text}\n`);
  process.exit(report.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`walk failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

export type { Demo };
