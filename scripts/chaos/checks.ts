// After the chaos: what the driver was told is done exists exactly once in the hub's database, each
// effect is in the outbox once and settled, and each vendor saw each side effect once (read from
// the fakes' own state: channels by name, issues by label, alerts by alias and their count…).
import type { Client } from 'pg';
import type { VendorFakes } from '../demo-vendors';
import { actionItemLabel } from '../../src/integrations/jira/jira.port';
import type { Acknowledged } from './driver';

export interface Figures {
  incidents: number;
  entries: number;
  effects: number;
  effectsByState: Record<string, number>;
  vendorCalls: Record<string, number>;
  faultsInjected: Record<string, number>;
}

export interface CheckResult {
  violations: string[];
  figures: Figures;
}

/** Counts of each text among `rows`, and each expected text that is not there exactly once. */
function exactlyOnce(what: string, expected: string[], found: string[], violations: string[]): void {
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f, (counts.get(f) ?? 0) + 1);
  for (const e of expected) {
    const n = counts.get(e) ?? 0;
    if (n !== 1) violations.push(`${what} ${JSON.stringify(e)}: ${n} times, expected once`);
  }
}

/** Actions that create something at the vendor: two of them for the same thing is a duplicate. */
const CREATING = new Set([
  'slack.openChannel',
  'slack.announce',
  'jira.createIssue',
  'jira.createActionItem',
  'opsgenie.page',
  'zendesk.createTicket',
  'statuspage.openIncident',
]);

interface EffectRow {
  id: string;
  incident_key: string | null;
  system: string;
  action: string;
  dedupe_key: string;
  payload: Record<string, unknown>;
  state: string;
  result: Record<string, unknown> | null;
}

export async function check(
  db: Client,
  fakes: VendorFakes,
  acked: Acknowledged,
  prefix: string,
): Promise<CheckResult> {
  const violations: string[] = [];
  const q = async <T>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as T[];

  // incidents: each acknowledged one once, by summary and by idempotency key; none the driver
  // never heard of
  const incidents = await q<{ key: string; summary: string; idempotency_key: string | null }>(
    `SELECT key, summary, idempotency_key FROM incident WHERE summary LIKE $1`,
    [`${prefix}%`],
  );
  exactlyOnce(
    'incident',
    acked.incidents.map((i) => i.summary),
    incidents.map((i) => i.summary),
    violations,
  );
  exactlyOnce(
    'incident idempotency key',
    acked.incidents.map((i) => i.idempotencyKey),
    incidents.map((i) => i.idempotency_key ?? ''),
    violations,
  );
  if (incidents.length !== acked.incidents.length) {
    violations.push(
      `${incidents.length} chaos incidents in the database, ${acked.incidents.length} acknowledged`,
    );
  }
  const keys = acked.incidents.map((i) => i.key);

  // timeline entries of the chaos incidents
  const entries = await q<{ key: string; kind: string; text: string; data: unknown }>(
    `SELECT i.key, e.kind, e.text, e.data FROM timeline_entry e JOIN incident i ON i.id = e.incident_id
      WHERE i.key = ANY($1)`,
    [keys],
  );
  const byKind = (kind: string) => entries.filter((e) => e.kind === kind);
  exactlyOnce(
    'note',
    acked.notes.map((n) => `${n.key} ${n.text}`),
    byKind('NOTE').map((e) => `${e.key} ${e.text}`),
    violations,
  );
  const perIncident = (
    kind: string,
    expected: { key: string }[],
    extra: (key: string) => number = () => 0,
  ) => {
    for (const key of keys) {
      const want = expected.filter((x) => x.key === key).length + extra(key);
      const got = byKind(kind).filter((e) => e.key === key).length;
      if (got !== want) violations.push(`${key}: ${got} ${kind} entries, expected ${want}`);
    }
  };
  perIncident('DECLARED', [], () => 1);
  perIncident('STAGE_CHANGED', acked.stages);
  perIncident('STATUS_UPDATE', acked.statusUpdates);
  perIncident('ROLE_ASSIGNED', acked.roles);
  perIncident('ESCALATION', acked.escalations);
  // the same entry twice (same incident, kind, text and data) is a duplicate whatever its kind
  const seen = new Map<string, number>();
  for (const e of entries) {
    const k = `${e.key} ${e.kind} ${e.text} ${JSON.stringify(e.data)}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const [k, n] of seen) if (n > 1) violations.push(`timeline entry ${n} times: ${k.slice(0, 200)}`);

  // rows behind the entries
  const updates = await q<{ key: string; client_impact: string }>(
    `SELECT i.key, u.client_impact FROM status_update u JOIN incident i ON i.id = u.incident_id WHERE i.key = ANY($1)`,
    [keys],
  );
  exactlyOnce(
    'status update',
    acked.statusUpdates.map((u) => `${u.key} ${u.clientImpact}`),
    updates.map((u) => `${u.key} ${u.client_impact}`),
    violations,
  );
  const items = await q<{ id: string; key: string; title: string; status: string }>(
    `SELECT a.id, i.key, a.title, a.status FROM action_item a JOIN incident i ON i.id = a.incident_id WHERE i.key = ANY($1)`,
    [keys],
  );
  exactlyOnce(
    'action item',
    acked.actionItems.map((a) => `${a.key} ${a.title}`),
    items.map((a) => `${a.key} ${a.title}`),
    violations,
  );
  for (const a of acked.actionItems) {
    const row = items.find((x) => x.id === a.id);
    if (row && row.status !== a.status)
      violations.push(`action item ${a.id}: ${row.status}, acknowledged ${a.status}`);
  }
  const roles = await q<{ key: string; role: string; person_id: string }>(
    `SELECT i.key, r.role, r.person_id FROM role_assignment r JOIN incident i ON i.id = r.incident_id WHERE i.key = ANY($1)`,
    [keys],
  );
  exactlyOnce(
    'role assignment',
    acked.roles.map((r) => `${r.key} ${r.role} ${r.personId}`),
    roles.map((r) => `${r.key} ${r.role} ${r.person_id}`),
    violations,
  );

  // the outbox: settled, and no two effects doing the same thing
  const effects = await q<EffectRow>(
    `SELECT e.id, i.key AS incident_key, e.system, e.action, e.dedupe_key, e.payload, e.state, e.result
       FROM integration_effect e LEFT JOIN incident i ON i.id = e.incident_id`,
  );
  const effectsByState: Record<string, number> = {};
  for (const e of effects) effectsByState[e.state] = (effectsByState[e.state] ?? 0) + 1;
  for (const e of effects) {
    if (e.state !== 'DONE' && e.state !== 'DISABLED') {
      violations.push(`effect ${e.action} of ${e.incident_key} (${e.dedupe_key}) left ${e.state}`);
    }
  }
  // two effects that create the same thing (a channel, an issue, a page…) under different keys
  const same = new Map<string, string[]>();
  for (const e of effects.filter((x) => CREATING.has(x.action))) {
    const k = `${e.incident_key} ${e.action} ${JSON.stringify(e.payload)}`;
    same.set(k, [...(same.get(k) ?? []), e.dedupe_key]);
  }
  for (const [k, dedupeKeys] of same) {
    if (dedupeKeys.length > 1) {
      violations.push(
        `the same effect ${dedupeKeys.length} times (${dedupeKeys.join(', ')}): ${k.slice(0, 160)}`,
      );
    }
  }

  // the vendors: each side effect once
  const done = effects.filter((e) => e.state === 'DONE');
  const { slack, jira, opsgenie, zendesk, statuspage } = fakes;
  const channels = new Map(
    done
      .filter((e) => e.action === 'slack.openChannel')
      .map((e) => [e.incident_key, String(e.result?.channelId)]),
  );
  const channelOf = (key: string | null) => channels.get(key) ?? `(no channel for ${key})`;
  for (const e of done) {
    const p = e.payload;
    switch (e.action) {
      case 'slack.openChannel': {
        const n = [...slack.channels.values()].filter((c) => c.name === p.channelName).length;
        if (n !== 1) violations.push(`Slack channel #${String(p.channelName)}: ${n}, expected 1`);
        break;
      }
      case 'slack.post':
      case 'slack.postTo':
      case 'slack.card':
      case 'slack.announce': {
        // in the channel it went to, the messages carrying its ref (a card: its marker; an
        // announcement: its text with the channel linked by id)
        const channel =
          e.action === 'slack.postTo' || e.action === 'slack.announce'
            ? String(p.channel)
            : channelOf(e.incident_key);
        const needle =
          e.action === 'slack.card'
            ? String(p.marker)
            : e.action === 'slack.announce'
              ? String(p.text)
                  .split(`#${String(p.channelName)}`)
                  .join(`<#${channelOf(e.incident_key)}>`)
              : String(p.ref);
        const n = slack.messages(channel).filter((m) => m.text?.includes(needle)).length;
        if (n !== 1)
          violations.push(
            `Slack ${e.action} of ${e.incident_key} in ${channel}: ${n} messages, expected 1 (${needle.slice(0, 60)})`,
          );
        break;
      }
      case 'jira.createIssue': {
        const n = [...jira.issues.values()].filter((i) =>
          ((i.fields.labels as string[] | undefined) ?? []).includes(String(p.incidentKey)),
        ).length;
        if (n !== 1) violations.push(`Jira issues labelled ${String(p.incidentKey)}: ${n}, expected 1`);
        break;
      }
      case 'opsgenie.page': {
        const alerts = [...opsgenie.alerts.values()].filter((a) => a.alias === p.alias);
        const count = alerts.reduce((sum, a) => sum + a.count, 0);
        // a page whose alias was closed before it reached Opsgenie stands down: no alert at all
        const stoodDown = e.result?.stoodDown !== undefined;
        if (stoodDown ? alerts.length !== 0 : alerts.length !== 1 || count !== 1) {
          violations.push(
            `Opsgenie alias ${String(p.alias)}: ${alerts.length} alerts created ${count} times, expected ${stoodDown ? 'none (the page stood down)' : 'once'}`,
          );
        }
        break;
      }
      case 'zendesk.createTicket': {
        const n = [...zendesk.tickets.values()].filter((t) => t.external_id === p.incidentKey).length;
        if (n !== 1) violations.push(`Zendesk tickets for ${String(p.incidentKey)}: ${n}, expected 1`);
        break;
      }
      default:
        break;
    }
  }
  for (const e of done.filter((x) => x.action === 'jira.createActionItem')) {
    const label = actionItemLabel(String(e.payload.actionItemId));
    const n = [...jira.issues.values()].filter((i) =>
      ((i.fields.labels as string[] | undefined) ?? []).includes(label),
    ).length;
    if (n !== 1) violations.push(`Jira issues labelled ${label}: ${n}, expected 1`);
  }
  for (const fake of [slack, jira, opsgenie, zendesk, statuspage]) {
    if (fake.invalidCalls.length)
      violations.push(
        `${fake.vendor}: ${fake.invalidCalls.length} calls the vendor would refuse (first: ${fake.invalidCalls[0].method} ${fake.invalidCalls[0].path}: ${fake.invalidCalls[0].validationErrors.join('; ')})`,
      );
    const unserved = fake.unservedCalls;
    if (unserved.length)
      violations.push(
        `${fake.vendor}: ${unserved.length} calls the fake could not serve (first: ${unserved[0].method} ${unserved[0].path})`,
      );
  }

  const vendorCalls: Record<string, number> = {};
  const faultsInjected: Record<string, number> = {};
  for (const fake of [slack, jira, opsgenie, zendesk, statuspage]) {
    vendorCalls[fake.vendor] = fake.calls.length;
    for (const c of fake.calls) {
      if (!c.fault) continue;
      const k = c.fault === 'status' ? String(c.status) : c.fault;
      faultsInjected[k] = (faultsInjected[k] ?? 0) + 1;
    }
  }
  return {
    violations,
    figures: {
      incidents: incidents.length,
      entries: entries.length,
      effects: effects.length,
      effectsByState,
      vendorCalls,
      faultsInjected,
    },
  };
}
