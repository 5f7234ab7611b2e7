// Opsgenie webhook deliveries: acknowledge, close, escalate and add-note actions on an incident's
// alert (its own, alias = the incident key, or an escalation's, alias `<key>-escalation-<id>`) are
// recorded on the incident's timeline, attributed to the responder the Opsgenie user maps to. An
// acknowledgement by a known person while the incident has no incident manager gives them the
// role configured in OPSGENIE_ACK_ROLE (NONE: only recorded). Alerts the hub did not create
// (no `incident-hub` tag, no incident's alias) are monitoring alerts: their creation and closing
// are taken in as Alerts with source OPSGENIE (AlertService), like Alertmanager's.
import { z } from 'zod';
import type { Config } from '../../config';
import { actorForOpsgenieUser, systemActor } from '../../domain/access/actors';
import type { AlertService } from '../../domain/alerts/alert.service';
import { AlertSource, AlertStatus, ExternalSystem, IncidentRole } from '../../domain/enums';
import { DomainError } from '../../domain/errors';
import { roleLabel } from '../../domain/labels';
import { Alert, type InboundDelivery } from '../../entities';
import { HUB_TAG } from '../../integrations/opsgenie/opsgenie.mapper';
import type { DeliveryProcessor, NewDelivery, Outcome } from '../inbound-deliveries';
import { incidentByExternalId, type IncidentRef } from '../incident-lookup';
import type { InboundContext } from '../webhooks';

export const FOLLOWED_ACTIONS = [
  'Create',
  'Acknowledge',
  'Close',
  'Escalate',
  'EscalateNext',
  'AddNote',
] as const;
type FollowedAction = (typeof FOLLOWED_ACTIONS)[number];

const NOTE_LIMIT = 1000;

const epoch = z.number().nonnegative();

const alertAction = z.looseObject({
  action: z.enum(FOLLOWED_ACTIONS),
  alert: z.looseObject({
    alertId: z.string().min(1),
    alias: z.string().nullish(),
    tinyId: z.string().nullish(),
    message: z.string().nullish(),
    username: z.string().nullish(),
    userId: z.string().nullish(),
    note: z.string().nullish(),
    updatedAt: epoch.nullish(),
    createdAt: epoch.nullish(),
    tags: z.array(z.string()).nullish(),
    priority: z.string().nullish(),
    // only string details name things; anything else in them is not the hub's to refuse
    details: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((d) =>
        Object.fromEntries(
          Object.entries(d ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
        ),
      ),
  }),
  source: z.looseObject({ name: z.string().nullish(), type: z.string().nullish() }).nullish(),
  escalationName: z.string().nullish(),
  integrationName: z.string().nullish(),
});
type AlertAction = z.infer<typeof alertAction>;

/** What is stored of a delivery and read back by processing. */
const stored = z.object({
  action: z.enum(FOLLOWED_ACTIONS),
  alertId: z.string(),
  alias: z.string().nullable(),
  tinyId: z.string().nullable(),
  message: z.string().nullable(),
  username: z.string().nullable(),
  note: z.string().nullable(),
  escalationName: z.string().nullable(),
  /** When the action happened at Opsgenie, epoch ms. */
  occurredAtMs: z.number().nullable(),
  /** What a monitoring alert is made of (absent on deliveries stored before they were kept). */
  tags: z.array(z.string()).default([]),
  priority: z.string().nullable().default(null),
  details: z.record(z.string(), z.string()).default({}),
  createdAtMs: z.number().nullable().default(null),
});
type Stored = z.infer<typeof stored>;

/**
 * An Opsgenie epoch in ms. `updatedAt` comes in nanoseconds (1420452224764002246), `createdAt`
 * in ms; the unit is told by the magnitude (seconds, ms, µs or ns since 1970).
 */
export function epochMillis(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || value <= 0) return null;
  // Nanoseconds do not fit a double exactly: round, so that 1.8e18 / 1e6 is not 1 ms short.
  if (value >= 1e17) return Math.round(value / 1e6);
  if (value >= 1e14) return Math.round(value / 1e3);
  if (value >= 1e11) return Math.floor(value);
  return Math.floor(value * 1000);
}

/**
 * The delivery to keep for an Opsgenie webhook body, or null for actions the hub does not follow
 * (200, nothing stored). Throws a ZodError when a followed action is malformed. Opsgenie sends no
 * delivery id: the alert, the action and the alert's update time name one, so the same action
 * delivered again is processed once (the digest of the body when the time is missing).
 */
export function opsgenieDelivery(body: unknown, digest: string): NewDelivery | null {
  const { action } = z.looseObject({ action: z.string().min(1) }).parse(body);
  if (!(FOLLOWED_ACTIONS as readonly string[]).includes(action)) return null;
  const event: AlertAction = alertAction.parse(body);
  const a = event.alert;
  // The hub's own pages are created by the hub: nothing to take in.
  if (event.action === 'Create' && a.tags?.includes(HUB_TAG)) return null;
  const payload: Stored = {
    action: event.action,
    alertId: a.alertId,
    alias: a.alias ?? null,
    tinyId: a.tinyId ?? null,
    message: a.message ?? null,
    username: a.username ?? null,
    note: a.note ? a.note.slice(0, NOTE_LIMIT) : null,
    escalationName: event.escalationName ?? null,
    occurredAtMs: epochMillis(a.updatedAt) ?? epochMillis(a.createdAt),
    tags: a.tags ?? [],
    priority: a.priority ?? null,
    details: a.details,
    createdAtMs: epochMillis(a.createdAt),
  };
  const deliveryKey =
    a.updatedAt !== null && a.updatedAt !== undefined
      ? `${a.alertId}:${event.action}:${String(a.updatedAt)}`
      : `sha256:${digest}`;
  return { source: 'opsgenie', deliveryKey, kind: event.action, payload };
}

const ESCALATION_ALIAS = /^(.+)-escalation-[0-9a-f]{8}$/;

const described = (e: Stored, who: string): string => {
  const alert = `Opsgenie alert ${e.tinyId ? `#${e.tinyId}` : (e.alias ?? e.alertId)}`;
  const actions: Record<FollowedAction, string> = {
    Create: `${alert} created`,
    Acknowledge: `${alert} acknowledged by ${who}`,
    Close: `${alert} closed by ${who}`,
    Escalate: `${alert} escalated${e.escalationName ? ` (${e.escalationName})` : ''}`,
    EscalateNext: `${alert} escalated to the next responders${e.escalationName ? ` (${e.escalationName})` : ''}`,
    AddNote: e.note ? `Note on ${alert} by ${who}: ${e.note}` : `${who} added a note to ${alert}`,
  };
  return actions[e.action];
};

export class OpsgenieWebhookProcessor implements DeliveryProcessor {
  readonly source = 'opsgenie' as const;

  constructor(
    private readonly context: InboundContext,
    private readonly alerts: AlertService,
  ) {}

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const event = stored.parse(delivery.payload);
    const { dataSource, services } = this.context;
    const manager = dataSource.manager;
    const found = await this.incidentFor(event);
    if (!found) return this.monitoringAlert(event, delivery.receivedAt);
    if (event.action === 'Create')
      return { ignored: `alert ${event.alias ?? event.alertId} is the hub's own` };
    const { incident, ownAlert } = found;
    const opsgenie = await systemActor(manager, 'Opsgenie');
    const person = event.username ? await actorForOpsgenieUser(manager, event.username) : null;
    const who = person?.name ?? event.username ?? 'Opsgenie';
    const entry = await services.integrationActivity.recordIntegrationActivity(opsgenie, {
      incidentKey: incident.key,
      attributedTo: person?.personId ?? null,
      text: described(event, who),
      data: {
        system: 'OPSGENIE',
        action: event.action,
        alertId: event.alertId,
        alias: event.alias,
        tinyId: event.tinyId,
        username: event.username,
        note: event.note,
        escalationName: event.escalationName,
      },
      occurredAt: event.occurredAtMs === null ? undefined : new Date(event.occurredAtMs),
      dedupeKey: `opsgenie:${delivery.deliveryKey}`,
    });
    const outcome = [
      entry
        ? `${event.action} recorded on ${incident.key}`
        : `${event.action} was recorded on ${incident.key} already`,
    ];
    if (event.action === 'Acknowledge') {
      outcome.push(
        ownAlert
          ? await this.offerIncidentManager(incident, person?.personId ?? null, who, opsgenie)
          : 'an escalation acknowledged: no role offered',
      );
    }
    return { done: outcome.join('; ') };
  }

  /**
   * An alert the hub did not create: its creation makes a monitoring alert (FIRING), and its
   * closing resolves the one made before; other actions on it are not followed.
   */
  private async monitoringAlert(event: Stored, receivedAt: Date): Promise<Outcome> {
    const name = event.alias ?? event.alertId;
    if (event.tags.includes(HUB_TAG) || (event.alias && ESCALATION_ALIAS.test(event.alias))) {
      return { ignored: `alert ${name} was created by the hub` };
    }
    const manager = this.context.dataSource.manager;
    const known = await manager.existsBy(Alert, { source: AlertSource.OPSGENIE, fingerprint: event.alertId });
    if (event.action !== 'Create' && !(event.action === 'Close' && known)) {
      return { ignored: `alert ${name} is not an incident's alert` };
    }
    const labels: Record<string, string> = { ...event.details };
    for (const tag of event.tags) {
      const [key, ...rest] = tag.split(/[:=]/);
      if (rest.length && key.trim()) labels[key.trim()] = rest.join(':').trim();
    }
    const closed = event.action === 'Close';
    const occurredAt = event.occurredAtMs === null ? receivedAt : new Date(event.occurredAtMs);
    const intake = await this.alerts.receive(await systemActor(manager, 'Opsgenie'), [
      {
        source: AlertSource.OPSGENIE,
        fingerprint: event.alertId,
        name: (event.message ?? '').trim() || name,
        summary: null,
        labels,
        severity: labels.severity ?? event.priority,
        status: closed ? AlertStatus.RESOLVED : AlertStatus.FIRING,
        startsAt: event.createdAtMs === null ? occurredAt : new Date(event.createdAtMs),
        endsAt: closed ? occurredAt : null,
        url: null,
        observedAt: receivedAt,
      },
    ]);
    return { done: intake.what.join('; ') || `alert ${name} taken in` };
  }

  /**
   * The incident by its alert's id, or by the alert's alias: its key (its own alert, which pages
   * the on-call incident managers) or an escalation's alias (an alert paging another team).
   */
  private async incidentFor(event: Stored): Promise<{ incident: IncidentRef; ownAlert: boolean } | null> {
    const manager = this.context.dataSource.manager;
    const byId = await incidentByExternalId(manager, ExternalSystem.OPSGENIE, event.alertId);
    if (byId) return { incident: byId, ownAlert: true };
    if (!event.alias) return null;
    const escalationOf = ESCALATION_ALIAS.exec(event.alias)?.[1];
    const [row] = (await manager.query('SELECT id, key FROM incident WHERE key = $1', [
      escalationOf ?? event.alias,
    ])) as IncidentRef[];
    return row ? { incident: row, ownAlert: !escalationOf } : null;
  }

  /** An acknowledger the hub knows becomes incident manager when the incident has none. */
  private async offerIncidentManager(
    incident: IncidentRef,
    personId: string | null,
    who: string,
    opsgenie: Awaited<ReturnType<typeof systemActor>>,
  ): Promise<string> {
    const role = ackRole(this.context.config);
    if (!role) return 'OPSGENIE_ACK_ROLE is NONE: no role offered';
    if (!personId) return `${who} is not among the hub's people: no role assigned`;
    try {
      const result = await this.context.services.roles.assignIncidentManagerIfVacant(opsgenie, {
        incidentKey: incident.key,
        role,
        personId,
      });
      return 'heldAs' in result
        ? `${result.heldAs} is held already: no role assigned`
        : `${who} assigned as ${roleLabel(role)}`;
    } catch (err) {
      // Someone took the role meanwhile (a concurrent assignment): they keep it.
      if (err instanceof DomainError && err.code === 'CONFLICT')
        return `${roleLabel(role)} not assigned: ${err.message}`;
      throw err;
    }
  }
}

const ackRole = (config: Config): IncidentRole | null => {
  const role = config.vendors.OPSGENIE_ACK_ROLE;
  return role === 'NONE' ? null : IncidentRole[role];
};
