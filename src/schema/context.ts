// What every resolver receives: who is asking, the request's loaders and the hub's services.
import type { AlertQueries } from '../domain/alerts/alert.queries';
import type { AlertService } from '../domain/alerts/alert.service';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Actor } from '../domain/access/access';
import type { TokenService } from '../domain/access/token.service';
import type { CatalogueService } from '../domain/catalogue/catalogue.service';
import { DomainError } from '../domain/errors';
import type { IncidentMetricsQueries } from '../domain/incident/incident-metrics';
import type { IncidentQueries } from '../domain/incident/incident.queries';
import type { UpdateCadence } from '../domain/incident/priority-matrix';
import type { StatusRhythm } from '../domain/rhythm/rhythm.service';
import type { HandoverRhythm } from '../domain/rhythm/handover.service';
import type { HandoverJobs } from '../integrations/rhythm/handover-jobs';
import type { DomainServices } from '../domain/services';
import type { Integrations } from '../integrations/integrations';
import type { LiveChanges } from '../live/live-changes';
import type { ReconcileJobs } from '../integrations/reconcile/reconcile-jobs';
import type { Reconciler } from '../integrations/reconcile/reconciler';
import type { Loaders } from '../loaders/loaders';

/** The hub's long-lived services, built once by the composition root. */
export interface HubServices extends DomainServices {
  /** Monitoring alerts: taken in from webhooks, attached to incidents, declared from. */
  readonly alerts: AlertService;
  readonly alertQueries: AlertQueries;
  readonly dataSource: DataSource;
  readonly incidentQueries: IncidentQueries;
  readonly incidentMetrics: IncidentMetricsQueries;
  readonly catalogue: CatalogueService;
  readonly tokens: TokenService;
  readonly updateCadence: UpdateCadence;
  /** Status-update reminders and escalations; who owes an update. */
  readonly rhythm: StatusRhythm;
  readonly handover: HandoverRhythm;
  /** The handover checks: `check` runs one as its job would (tests drive it with their clock). */
  readonly handoverJobs: HandoverJobs;
  readonly live: LiveChanges;
  readonly integrations: Integrations;
  /** Reconciliation with the vendors: live records, drift, reconcileIncident. */
  readonly reconciler: Reconciler;
  /** The periodic reconciliation pass (`pass()` runs one now, as its job would). */
  readonly reconcileJobs: ReconcileJobs;
}

export interface HubContext {
  readonly requestId: string;
  readonly log: Logger;
  /** The bearer secret as sent; checked once the operation has passed the query limits. */
  readonly bearer: string | null;
  /** Set by the access plugin before any resolver runs. */
  actor: Actor | null;
  /** True when requestGate checked the operation's text against the limits with its variables. */
  readonly limitsChecked?: boolean;
  /** Per request; a subscription replaces them for every event so no read goes stale. */
  loaders: Loaders;
  readonly hub: HubServices;
}

/** The authenticated actor; the access plugin guarantees one exists before resolvers run. */
export function actorOf(ctx: HubContext): Actor {
  if (!ctx.actor)
    throw new DomainError('UNAUTHENTICATED', 'Send an API token: Authorization: Bearer <token>');
  return ctx.actor;
}
