// What the hub does with a monitoring alert, decided purely: attach it to the open incident whose
// faulty service or affected site it names, else declare one when an ALERT_RULES rule says so,
// else suggest declaring one (once per alert). Also the ALERT_RULES format and the impact and
// urgency levels a rule's priority is declared with.
import { ImpactLevel, Priority, UrgencyLevel } from '../enums';
import type { PriorityMatrix } from '../incident/priority-matrix';
import { tagValue } from '../names';

/** One rule: every condition must hold (label values compared as tags), then declare at `priority`. */
export interface AlertRule {
  /** Condition name → value: `severity`, `service`, `site`, `source`, or any other label name. */
  when: Readonly<Record<string, string>>;
  priority: Priority;
  /** The client to declare for when the alert names none (`:P2@albertsons`), by slug. */
  client: string | null;
  /** The rule as written, for people. */
  text: string;
}

/**
 * Parse ALERT_RULES: rules separated by `;`, each `name=value,name=value:PRIORITY[@client]`, e.g.
 * `severity=critical,service=order_sync:P2@albertsons;severity=critical,site=wf0001:P1` (the
 * client is the one to declare for when the alert names none through its site or client label). Names are
 * `severity`, `service` (its catalogue name), `site` (its site id), `source` (ALERTMANAGER or
 * OPSGENIE) or any label; values are compared as tags (case, spaces and punctuation aside).
 * Throws an Error naming the bad rule.
 */
export function parseAlertRules(text: string): AlertRule[] {
  return text
    .split(';')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((rule) => {
      const at = rule.lastIndexOf(':');
      const [target, client, extra] = (at < 0 ? '' : rule.slice(at + 1)).split('@').map((x) => x.trim());
      const priority = target.toUpperCase();
      if (!(Object.values(Priority) as string[]).includes(priority) || client === '' || extra !== undefined) {
        throw new Error(`"${rule}" does not end in :P1, :P2, :P3 or :P4 (optionally @<client slug>)`);
      }
      const when: Record<string, string> = {};
      for (const condition of rule.slice(0, at).split(',')) {
        const [name, value, extra] = condition.split('=').map((x) => x.trim());
        if (!name || !value || extra !== undefined) {
          throw new Error(`"${condition.trim()}" in "${rule}" is not name=value`);
        }
        when[name] = value;
      }
      if (!Object.keys(when).length) throw new Error(`"${rule}" has no condition`);
      return { when, priority: priority as Priority, client: client?.toLowerCase() ?? null, text: rule };
    });
}

/** What a rule can test of an alert. */
export interface AlertFacts {
  source: string;
  severity: string | null;
  labels: Readonly<Record<string, string>>;
  /** The catalogue names the labels resolved to. */
  serviceName: string | null;
  siteId: string | null;
}

/** The first rule whose every condition holds, or null. */
export function ruleFor(alert: AlertFacts, rules: readonly AlertRule[]): AlertRule | null {
  const valueOf = (name: string): string | null => {
    switch (name) {
      case 'severity':
        return alert.severity;
      case 'service':
        return alert.serviceName;
      case 'site':
        return alert.siteId;
      case 'source':
        return alert.source;
      default:
        return alert.labels[name] ?? null;
    }
  };
  return (
    rules.find((rule) =>
      Object.entries(rule.when).every(([name, value]) => {
        const actual = valueOf(name);
        return actual !== null && tagValue(actual) === tagValue(value);
      }),
    ) ?? null
  );
}

/** An open incident, as far as matching alerts goes. */
export interface OpenIncident {
  id: string;
  key: string;
  /** Null when its faulty service is still "Unknown" (which matches nothing). */
  serviceId: string | null;
  serviceName: string | null;
  /** Its affected sites: catalogue row id and site id. */
  sites: readonly { id: string; siteId: string }[];
}

/** The alert as the decision needs it. */
export interface AlertState {
  firing: boolean;
  attached: boolean;
  suggested: boolean;
  serviceId: string | null;
  siteRowId: string | null;
  /** Whether it names a client (its site's, its client label's, or its rule's): declaring needs one. */
  namesClient: boolean;
}

export type AlertDecision =
  | { kind: 'attach'; incident: OpenIncident; reason: string }
  | { kind: 'declare'; rule: AlertRule }
  | { kind: 'suggest'; why: string }
  | { kind: 'none'; why: string };

/**
 * What to do with a firing, unattached alert: join the open incident (listed most recent first)
 * that has its service as faulty service or its site among the affected ones; else declare when a
 * rule matches and it names a client; else suggest, once.
 */
export function decideAlert(
  alert: AlertState,
  open: readonly OpenIncident[],
  rule: AlertRule | null,
): AlertDecision {
  if (!alert.firing) return { kind: 'none', why: 'resolved' };
  if (alert.attached) return { kind: 'none', why: 'attached already' };
  for (const incident of open) {
    if (alert.serviceId && incident.serviceId === alert.serviceId) {
      return { kind: 'attach', incident, reason: `service ${incident.serviceName ?? alert.serviceId}` };
    }
    const site = alert.siteRowId ? incident.sites.find((s) => s.id === alert.siteRowId) : undefined;
    if (site) return { kind: 'attach', incident, reason: `site ${site.siteId}` };
  }
  if (rule && alert.namesClient) return { kind: 'declare', rule };
  if (alert.suggested) return { kind: 'none', why: 'suggested already' };
  return {
    kind: 'suggest',
    why: rule ? `rule "${rule.text}" matches, but the alert names no client` : 'no open incident matches',
  };
}

/**
 * The impact and urgency levels to declare a priority with: the most severe pair the matrix gives
 * that priority (impact first), so the levels say as much as the priority does.
 */
export function levelsFor(
  priority: Priority,
  matrix: PriorityMatrix,
): { impact: ImpactLevel; urgency: UrgencyLevel } {
  for (const impact of Object.values(ImpactLevel)) {
    for (const urgency of Object.values(UrgencyLevel)) {
      if (matrix[impact][urgency] === priority) return { impact, urgency };
    }
  }
  throw new Error(`the priority matrix gives no pair of levels ${priority}`);
}
