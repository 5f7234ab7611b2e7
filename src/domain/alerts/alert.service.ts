// Monitoring alerts (Alertmanager, Opsgenie alerts the hub did not create): each notification is
// upserted into its (source, fingerprint) row, so repeats make one alert; a firing alert joins the
// open incident whose faulty service or affected site it names (ALERT_ATTACHED), or declares one
// when an ALERT_RULES rule says so, or is suggested for declaring (once); an attached alert that
// resolves is recorded on its incident (ALERT_RESOLVED). The decisions of concurrent batches are
// serialised by one transaction-scoped advisory lock, so a burst cannot declare twice.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { Alert, type Incident } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { requireIncidentAccess } from '../access/incident-access';
import { AccessRole, type AlertSource, AlertStatus, ImpactLevel, UrgencyLevel } from '../enums';
import { badInput, conflict } from '../errors';
import type { AlertData } from '../events';
import type { IncidentService } from '../incident/incident.service';
import type { PriorityMatrix } from '../incident/priority-matrix';
import { getIncident } from '../incident/incident-store';
import { INPUT_LIMITS, incidentKey } from '../incident/incident.inputs';
import { TEXT_LIMITS } from '../../entities/incident.entity';
import {
  type NamingCatalogue,
  namesIn,
  readNamingCatalogue,
  type TicketNames,
} from '../support/ticket-names';
import { recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { id, optionalText, parseInput } from '../validation';
import { type AlertDecision, type AlertRule, decideAlert, levelsFor, ruleFor } from './alert-rules';
import { lockedAlert, openIncidents, siteRow, upsert } from './alert-store';

/** One notification about an alert, as its source sent it. */
export interface IncomingAlert {
  source: AlertSource;
  fingerprint: string;
  name: string;
  summary: string | null;
  labels: Record<string, string>;
  severity: string | null;
  status: AlertStatus;
  /** When it started firing. */
  startsAt: Date;
  /** When it resolved (resolved alerts only). */
  endsAt: Date | null;
  url: string | null;
  /** When the hub received the notification: a later one decides the status. */
  observedAt: Date;
}

export interface AlertSettings {
  rules: readonly AlertRule[];
  priorityMatrix: PriorityMatrix;
  /** The labels that name the service, the site and the client. */
  labels: { service: string; site: string; client: string };
}

/** Where the hub suggests declaring an incident for an alert, planned inside the transaction. */
export interface AlertSuggestions {
  suggest(manager: EntityManager, alert: Alert): Promise<void>;
}

/** Told, after commit, which alerts changed (the alertChanged subscription). */
export type AlertsChanged = (alertIds: readonly string[]) => Promise<void> | void;

/** One transaction-scoped advisory lock key for every alert decision ("alerts" in ASCII). */
const DECISION_LOCK = 0x616c65727473;

export const declareFromAlertSchema = z.strictObject({
  alertId: id(),
  summary: optionalText(TEXT_LIMITS.summary),
  description: optionalText(TEXT_LIMITS.description),
  clientImpactLevel: z.enum(ImpactLevel),
  clientUrgencyLevel: z.enum(UrgencyLevel),
  affectedClientSlugs: z.array(z.string()).max(INPUT_LIMITS.affectedClients).nullish(),
  affectedSiteIds: z.array(z.string()).max(INPUT_LIMITS.affectedSites).nullish(),
  faultyServiceId: id().nullish(),
  impactStartedAt: z.date().nullish(),
  incidentFlow: z.boolean().nullish(),
});
export type DeclareFromAlertInput = z.input<typeof declareFromAlertSchema>;

export const attachAlertSchema = z.strictObject({ alertId: id(), incidentKey });
export type AttachAlertInput = z.input<typeof attachAlertSchema>;

/** What declaring from an alert starts with. */
export interface AlertDefaults {
  alertId: string;
  /** The incident it is attached to already, if any. */
  attachedTo: string | null;
  summary: string;
  clientSlugs: string[];
  siteIds: string[];
  serviceId: string | null;
}

/** What a batch of notifications did, for the delivery's outcome. */
export interface AlertIntake {
  alerts: number;
  what: string[];
}

export class AlertService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly incidents: IncidentService,
    private readonly settings: AlertSettings,
    private readonly suggestions: AlertSuggestions | null = null,
    private readonly changed: AlertsChanged = () => undefined,
  ) {}

  /** Take in a batch of notifications (one webhook delivery) in one transaction. */
  async receive(actor: Actor, batch: readonly IncomingAlert[]): Promise<AlertIntake> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'receiveAlerts');
    const changedIds = new Set<string>();
    const result = await this.uow.run(async (tx) => {
      await lockDecisions(tx);
      const catalogue = await readNamingCatalogue(tx.manager);
      const what: string[] = [];
      // Alertmanager repeats alerts within a batch rarely, but a repeat must not be decided twice.
      for (const incoming of batch) {
        const outcome = await this.take(tx, actor, incoming, catalogue);
        changedIds.add(outcome.alert.id);
        if (outcome.what) what.push(outcome.what);
      }
      return { alerts: changedIds.size, what };
    });
    await this.changed([...changedIds]);
    return result;
  }

  /** Attach an alert to an incident by hand (an incident manager of it). */
  async attachAlert(actor: Actor, raw: AttachAlertInput): Promise<Alert> {
    const input = parseInput(attachAlertSchema, raw);
    const alert = await this.uow.run(async (tx) => {
      await lockDecisions(tx);
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'attachAlert');
      const row = await lockedAlert(tx.manager, input.alertId);
      if (row.incidentId === incident.id) return row;
      if (row.incidentId)
        throw conflict(`The alert is attached to another incident already`, { field: 'alertId' });
      await this.attach(tx, actor, row, incident, 'attached by hand');
      return row;
    });
    await this.changed([alert.id]);
    return alert;
  }

  /**
   * Declare an incident from an alert: what the declarer does not give is taken from the alert
   * (summary, service, site and its client), its detectedAt is the alert's first firing, and the
   * alert is attached to it, all in one transaction.
   */
  async declareFromAlert(actor: Actor, raw: DeclareFromAlertInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'declareIncident');
    const input = parseInput(declareFromAlertSchema, raw);
    const { incident, alertId } = await this.uow.run(async (tx) => {
      await lockDecisions(tx);
      const row = await lockedAlert(tx.manager, input.alertId);
      if (row.incidentId)
        throw conflict('The alert is attached to an incident already', { field: 'alertId' });
      const names = this.names(row, await readNamingCatalogue(tx.manager));
      const clients = input.affectedClientSlugs ?? names.clientSlugs;
      if (!clients.length) {
        throw badInput('affectedClientSlugs', 'the alert names no client: name at least one affected client');
      }
      const declared = await this.incidents.declareWithin(tx, actor, {
        summary: input.summary ?? alertSummary(row),
        description: input.description ?? row.summary,
        clientImpactLevel: input.clientImpactLevel,
        clientUrgencyLevel: input.clientUrgencyLevel,
        affectedClientSlugs: clients,
        affectedSiteIds: input.affectedSiteIds ?? names.siteIds,
        faultyServiceId:
          input.faultyServiceId === undefined ? (names.service?.id ?? null) : input.faultyServiceId,
        impactStartedAt: input.impactStartedAt ?? undefined,
        detectedAt: detectedAt(row, tx.now),
        incidentFlow: input.incidentFlow,
      });
      await this.attach(tx, actor, row, declared, 'declared from it');
      return { incident: declared, alertId: row.id };
    });
    await this.changed([alertId]);
    return incident;
  }

  /**
   * What declaring from this alert starts with (the Declare button's form): its summary, and the
   * clients, sites and service its labels name; null when there is no such alert.
   */
  async declareDefaults(alertId: string): Promise<AlertDefaults | null> {
    return this.uow.read(async (manager) => {
      const alert = await manager.findOne(Alert, { where: { id: alertId } });
      if (!alert) return null;
      const names = this.names(alert, await readNamingCatalogue(manager));
      return {
        alertId: alert.id,
        attachedTo: alert.incidentId,
        summary: alertSummary(alert),
        clientSlugs: names.clientSlugs,
        siteIds: names.siteIds,
        serviceId: names.service?.id ?? null,
      };
    });
  }

  /** Upsert one notification, then decide what it calls for. */
  private async take(
    tx: Tx,
    actor: Actor,
    incoming: IncomingAlert,
    catalogue: NamingCatalogue,
  ): Promise<{ alert: Alert; what: string | null }> {
    const names = namesIn(this.naming(incoming.labels), catalogue);
    const site = names.siteIds[0] ? catalogue.sites.find((s) => s.siteId === names.siteIds[0]) : undefined;
    const siteRowId = site ? await siteRow(tx.manager, site.siteId) : null;
    const { alert, previous } = await upsert(tx.manager, incoming, names.service?.id ?? null, siteRowId);
    if (previous === AlertStatus.FIRING && alert.status === AlertStatus.RESOLVED && alert.incidentId) {
      await this.recordResolved(tx, actor, alert);
      return { alert, what: `alert ${alert.name} (${alert.fingerprint}) resolved` };
    }
    if (alert.status !== AlertStatus.FIRING || alert.incidentId) return { alert, what: null };
    const rule = ruleFor(
      {
        source: alert.source,
        severity: alert.severity,
        labels: alert.labels,
        serviceName: names.service?.name ?? null,
        siteId: names.siteIds[0] ?? null,
      },
      this.settings.rules,
    );
    // A rule's client counts only when the catalogue knows it (a typo must not fail the delivery).
    if (!names.clientSlugs.length && rule?.client && catalogue.clients.some((c) => c.slug === rule.client)) {
      names.clientSlugs.push(rule.client);
    }
    const decision: AlertDecision = decideAlert(
      {
        firing: true,
        attached: false,
        suggested: !!alert.suggestedAt,
        serviceId: alert.serviceId,
        siteRowId: alert.siteRowId,
        namesClient: names.clientSlugs.length > 0,
      },
      await openIncidents(tx.manager, alert),
      rule,
    );
    return { alert, what: await this.act(tx, actor, alert, names, decision) };
  }

  /** Carry out a decision about a firing, unattached alert; what it did, for the delivery's outcome. */
  private async act(
    tx: Tx,
    actor: Actor,
    alert: Alert,
    names: TicketNames,
    decision: AlertDecision,
  ): Promise<string | null> {
    const label = `alert ${alert.name} (${alert.fingerprint})`;
    switch (decision.kind) {
      case 'attach': {
        const incident = { id: decision.incident.id, key: decision.incident.key };
        await this.attach(tx, actor, alert, incident, decision.reason);
        return `${label} attached to ${incident.key} (${decision.reason})`;
      }
      case 'declare': {
        const { impact, urgency } = levelsFor(decision.rule.priority, this.settings.priorityMatrix);
        const incident = await this.incidents.declareWithin(tx, actor, {
          summary: alertSummary(alert),
          description: alert.summary,
          clientImpactLevel: impact,
          clientUrgencyLevel: urgency,
          affectedClientSlugs: names.clientSlugs,
          affectedSiteIds: names.siteIds,
          faultyServiceId: names.service?.id ?? null,
          detectedAt: detectedAt(alert, tx.now),
        });
        await this.attach(tx, actor, alert, incident, `declared by rule "${decision.rule.text}"`);
        return `${label} declared ${incident.key} (${incident.priority})`;
      }
      case 'suggest':
        await tx.manager.update(Alert, { id: alert.id }, { suggestedAt: tx.now });
        alert.suggestedAt = tx.now;
        await this.suggestions?.suggest(tx.manager, alert);
        return `${label}: declaring an incident suggested (${decision.why})`;
      case 'none':
        return null;
    }
  }

  private naming(labels: Readonly<Record<string, string>>) {
    const { service, site, client } = this.settings.labels;
    const value = (name: string) => (labels[name] ?? '').trim();
    return {
      tags: value(client) ? [value(client)] : [],
      siteValues: value(site) ? [value(site)] : [],
      serviceValue: value(service) || null,
    };
  }

  private names(alert: Alert, catalogue: NamingCatalogue) {
    return namesIn(this.naming(alert.labels), catalogue);
  }

  private async attach(
    tx: Tx,
    actor: Actor,
    alert: Alert,
    incident: { id: string; key: string },
    reason: string,
  ): Promise<void> {
    await tx.manager.update(Alert, { id: alert.id }, { incidentId: incident.id, attachedAt: tx.now });
    alert.incidentId = incident.id;
    alert.attachedAt = tx.now;
    await recordFact(tx, {
      incident,
      event: 'AlertAttached',
      actorId: actor.personId,
      text: `Alert ${alert.name} attached (${reason})${alert.summary ? `: ${alert.summary}` : ''}`,
      data: alertData(alert, reason),
    });
  }

  private async recordResolved(tx: Tx, actor: Actor, alert: Alert): Promise<void> {
    const [incident] = (await tx.manager.query('SELECT id, key FROM incident WHERE id = $1', [
      alert.incidentId,
    ])) as { id: string; key: string }[];
    const resolvedAt = alert.resolvedAt ?? tx.now;
    await recordFact(tx, {
      incident,
      event: 'AlertResolved',
      actorId: actor.personId,
      text: `Alert ${alert.name} resolved`,
      data: { ...alertData(alert, 'resolved at its source'), resolvedAt: resolvedAt.toISOString() },
      occurredAt: resolvedAt.getTime() <= tx.now.getTime() ? resolvedAt : tx.now,
    });
  }
}

const lockDecisions = (tx: Tx) => tx.manager.query('SELECT pg_advisory_xact_lock($1)', [DECISION_LOCK]);

const alertSummary = (alert: Alert): string =>
  (alert.summary ? `${alert.name}: ${alert.summary}` : alert.name).slice(0, TEXT_LIMITS.summary);

/** The alert's first firing, unless its source's clock is ahead of the hub's. */
const detectedAt = (alert: Alert, now: Date): Date =>
  alert.firstSeenAt.getTime() <= now.getTime() ? alert.firstSeenAt : now;

const alertData = (alert: Alert, reason: string): AlertData => ({
  alertId: alert.id,
  source: alert.source,
  fingerprint: alert.fingerprint,
  name: alert.name,
  severity: alert.severity,
  firstSeenAt: alert.firstSeenAt.toISOString(),
  reason,
});
