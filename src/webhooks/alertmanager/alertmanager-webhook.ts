// Prometheus Alertmanager's webhook (`webhook_config`, payload version 4, as documented at
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): each notification is
// one group of alerts; every alert in it is taken in by the domain (AlertService.receive) in one
// transaction, deduplicated by its fingerprint.
import { z } from 'zod';
import { systemActor } from '../../domain/access/actors';
import type { AlertService, IncomingAlert } from '../../domain/alerts/alert.service';
import { AlertSource, AlertStatus } from '../../domain/enums';
import type { InboundDelivery } from '../../entities';
import type { DeliveryProcessor, NewDelivery, Outcome } from '../inbound-deliveries';
import type { InboundContext } from '../webhooks';

const rfc3339 = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an RFC 3339 time');
const labelSet = z.record(z.string(), z.string());

const alert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: rfc3339,
  endsAt: rfc3339.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(200),
});

/** The notification body, as Alertmanager sends it (fields it may add later are kept). */
export const alertmanagerNotification = z.looseObject({
  version: z.string().min(1),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: z.string(),
  alerts: z.array(alert).min(1).max(1000),
});
type Notification = z.infer<typeof alertmanagerNotification>;

/**
 * The delivery to keep: Alertmanager sends no delivery id, so the digest of the body names it (a
 * retried notification is processed once; taking in the same alerts again would change nothing).
 * Throws a ZodError naming the field when the body is not a notification.
 */
export function alertmanagerDelivery(body: unknown, digest: string): NewDelivery {
  const notification = alertmanagerNotification.parse(body);
  return {
    source: 'alertmanager',
    deliveryKey: `sha256:${digest}`,
    kind: notification.status,
    payload: notification as Record<string, unknown>,
  };
}

/** Alertmanager's "no end time yet" is the zero time (0001-01-01). */
const timeOrNull = (value: string | undefined): Date | null => {
  if (!value) return null;
  const time = new Date(value);
  return time.getFullYear() <= 1 ? null : time;
};

/** The notification's alerts as the domain takes them in. */
export function incomingAlerts(notification: Notification, receivedAt: Date): IncomingAlert[] {
  return notification.alerts.map((a) => ({
    source: AlertSource.ALERTMANAGER,
    fingerprint: a.fingerprint,
    name: a.labels.alertname ?? notification.groupLabels.alertname ?? a.fingerprint,
    summary: a.annotations.summary ?? a.annotations.description ?? null,
    labels: a.labels,
    severity: a.labels.severity ?? null,
    status: a.status === 'firing' ? AlertStatus.FIRING : AlertStatus.RESOLVED,
    startsAt: new Date(a.startsAt),
    endsAt: a.status === 'resolved' ? timeOrNull(a.endsAt) : null,
    url: a.generatorURL || null,
    observedAt: receivedAt,
  }));
}

export class AlertmanagerWebhookProcessor implements DeliveryProcessor {
  readonly source = 'alertmanager' as const;

  constructor(
    private readonly context: InboundContext,
    private readonly alerts: AlertService,
  ) {}

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const notification = alertmanagerNotification.parse(delivery.payload);
    const actor = await systemActor(this.context.dataSource.manager, 'Alertmanager');
    const intake = await this.alerts.receive(actor, incomingAlerts(notification, delivery.receivedAt));
    const what = intake.what.length ? `: ${intake.what.join('; ')}` : '';
    return { done: `${intake.alerts} alert${intake.alerts === 1 ? '' : 's'} taken in${what}`.slice(0, 4000) };
  }
}
