// CSV exports for spreadsheets: the incidents matching a filter (the `incidents` query's filter, from
// the query string) and one incident's timeline. A token is required, as a bearer header or, for a
// link a browser or spreadsheet opens, `?token=` (as the wallboard takes it).
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { requireAccess, type Actor } from '../domain/access/access';
import { AccessRole } from '../domain/enums';
import { DomainError } from '../domain/errors';
import type { IncidentFilterValues } from '../domain/incident/incident.queries';
import { durationSeconds } from '../domain/incident/timestamps';
import { incidentFilterSchema } from '../domain/incident/incident.inputs';
import { parseInput } from '../domain/validation';
import type { Client, Incident, Service, Site, TimelineEntry } from '../entities';
import { createLoaders } from '../loaders/loaders';
import { bearerOf } from '../schema/access.plugin';
import type { HubServices } from '../schema/context';
import { sendCsv, type CsvColumn } from './csv';

/** Incidents (and timeline entries) read per statement: memory stays flat whatever the export's size. */
const BATCH = 500;

/** A list parameter: repeated (`?stages=A&stages=B`) or comma-separated (`?stages=A,B`). */
const listOf = (v: unknown) =>
  v === undefined
    ? undefined
    : (Array.isArray(v) ? v : [v])
        .flatMap((s) => String(s).split(','))
        .map((s) => s.trim())
        .filter(Boolean);
const instantOf = (v: unknown) => {
  const date = typeof v === 'string' && ISO_INSTANT.test(v) ? new Date(v) : null;
  return date && !Number.isNaN(date.getTime()) ? date : v;
};
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const { shape } = incidentFilterSchema;

/**
 * The query string of /export/incidents.csv: the fields of IncidentFilter as text, turned into
 * their types and then held to the same rules as the filter of incidentMetrics; and the token.
 */
const exportQuerySchema = z.strictObject({
  token: z.string().optional(),
  stages: z.preprocess(listOf, shape.stages),
  priorities: z.preprocess(listOf, shape.priorities),
  clientSlugs: z.preprocess(listOf, shape.clientSlugs),
  siteIds: z.preprocess(listOf, shape.siteIds),
  serviceIds: z.preprocess(listOf, shape.serviceIds),
  open: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), shape.open),
  declaredAfter: z.preprocess(instantOf, shape.declaredAfter),
  declaredBefore: z.preprocess(instantOf, shape.declaredBefore),
  text: shape.text,
});

export function filterFromQuery(query: unknown): IncidentFilterValues {
  const { token: _token, ...filter } = parseInput(exportQuerySchema, { ...(query as object) });
  return filter;
}

interface IncidentRow {
  incident: Incident;
  clients: Client[];
  sites: Site[];
  service: Service | null;
}

const names = (values: string[]) => values.join('; ');

/** The columns of incidents.csv: what the incident is, where, every lifecycle timestamp, the durations. */
export const INCIDENT_COLUMNS: readonly CsvColumn<IncidentRow>[] = [
  { header: 'key', value: (r) => r.incident.key },
  { header: 'summary', value: (r) => r.incident.summary },
  { header: 'priority', value: (r) => r.incident.priority },
  { header: 'stage', value: (r) => r.incident.stage },
  { header: 'clients', value: (r) => names(r.clients.map((c) => c.name)) },
  { header: 'client_slugs', value: (r) => names(r.clients.map((c) => c.slug)) },
  { header: 'sites', value: (r) => names(r.sites.map((s) => s.siteId)) },
  { header: 'service', value: (r) => r.service?.name ?? null },
  { header: 'client_impact_level', value: (r) => r.incident.clientImpactLevel },
  { header: 'client_urgency_level', value: (r) => r.incident.clientUrgencyLevel },
  { header: 'impact_started_at', value: (r) => r.incident.impactStartedAt },
  { header: 'detected_at', value: (r) => r.incident.detectedAt },
  { header: 'acknowledged_at', value: (r) => r.incident.acknowledgedAt },
  { header: 'identified_at', value: (r) => r.incident.identifiedAt },
  { header: 'mitigated_at', value: (r) => r.incident.mitigatedAt },
  { header: 'closed_at', value: (r) => r.incident.closedAt },
  { header: 'ttd_seconds', value: (r) => durationSeconds(r.incident, 'ttd') },
  { header: 'tta_seconds', value: (r) => durationSeconds(r.incident, 'tta') },
  { header: 'ttr_seconds', value: (r) => durationSeconds(r.incident, 'ttr') },
  { header: 'zendesk_ticket_id', value: (r) => r.incident.zendeskTicketId },
  { header: 'description', value: (r) => r.incident.description },
  { header: 'client_impact', value: (r) => r.incident.clientImpact },
];

interface TimelineRow {
  entry: TimelineEntry;
  actor: string | null;
}

export const TIMELINE_COLUMNS: readonly CsvColumn<TimelineRow>[] = [
  { header: 'occurred_at', value: (r) => r.entry.occurredAt },
  { header: 'kind', value: (r) => r.entry.kind },
  { header: 'actor', value: (r) => r.actor },
  { header: 'text', value: (r) => r.entry.text },
  { header: 'data', value: (r) => (r.entry.data ? JSON.stringify(r.entry.data) : null) },
];

/** The incidents matching `filter`, newest declared first, a batch of BATCH per statement and relation. */
async function* incidentRows(
  services: HubServices,
  filter: IncidentFilterValues,
): AsyncIterable<IncidentRow> {
  let after: string | null = null;
  for (;;) {
    const page = await services.incidentQueries.search(filter, BATCH, after);
    // fresh loaders per batch: one statement per relation, and nothing kept from earlier batches
    const loaders = createLoaders(services.dataSource);
    const rows = await Promise.all(
      page.nodes.map(async (incident) => ({
        incident,
        clients: await loaders.incidentAffectedClients.load(incident.id),
        sites: await loaders.incidentAffectedSites.load(incident.id),
        service: await loaders.service.load(incident.faultyServiceId),
      })),
    );
    yield* rows;
    if (!page.hasNextPage || !page.nodes.length) return;
    after = page.cursorOf(page.nodes[page.nodes.length - 1]);
  }
}

/** One incident's timeline, oldest first, through the loaders the `timeline` field uses. */
async function* timelineRows(services: HubServices, incidentId: string): AsyncIterable<TimelineRow> {
  let after: string | null = null;
  for (;;) {
    const loaders = createLoaders(services.dataSource);
    const page = await loaders.timeline.load({
      incidentId,
      first: BATCH,
      after,
      kinds: null,
      newestFirst: false,
    });
    for (const entry of page.nodes) {
      const actor = entry.actorId ? await loaders.timelineActor.load(entry.actorId) : null;
      yield { entry, actor: actor?.name ?? null };
    }
    if (!page.hasNextPage || !page.nodes.length) return;
    after = page.cursorOf(page.nodes[page.nodes.length - 1]);
  }
}

/** The routes under /export. */
export function exportRouter(services: HubServices): express.Router {
  const router = express.Router();

  /** The actor, or a 401 (no or unknown token) / 400 (bad parameter) already sent. */
  const admit = async (req: Request, res: Response): Promise<Actor | null> => {
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : null;
    const secret = bearerOf(req.headers.authorization) ?? fromQuery;
    const actor = secret ? await services.tokens.authenticate(secret) : null;
    if (!actor) {
      res.status(401).json({
        error: secret
          ? 'The API token is unknown or revoked'
          : 'Send an API token: Authorization: Bearer <token>, or ?token=<token>',
      });
      return null;
    }
    requireAccess(actor, AccessRole.VIEWER, 'export');
    return actor;
  };

  const refuse = (res: Response, err: unknown): void => {
    if (err instanceof DomainError && err.code === 'BAD_USER_INPUT') {
      res.status(400).json({ error: err.message, field: (err.details as { field?: string }).field });
      return;
    }
    if (err instanceof DomainError && err.code === 'FORBIDDEN') {
      res.status(403).json({ error: err.message });
      return;
    }
    throw err;
  };

  router.get('/incidents.csv', async (req, res) => {
    try {
      if (!(await admit(req, res))) return;
      const filter = filterFromQuery(req.query);
      await sendCsv(res, 'incidents.csv', INCIDENT_COLUMNS, incidentRows(services, filter));
    } catch (err) {
      if (res.headersSent) throw err;
      refuse(res, err);
    }
  });

  router.get('/incidents/:key/timeline.csv', async (req, res) => {
    try {
      if (!(await admit(req, res))) return;
      parseInput(z.strictObject({ token: z.string().optional() }), req.query);
      const incident = await services.incidentQueries.findByKey(req.params.key);
      if (!incident) {
        res.status(404).json({ error: `No incident has the key ${req.params.key}` });
        return;
      }
      await sendCsv(
        res,
        `${incident.key}-timeline.csv`,
        TIMELINE_COLUMNS,
        timelineRows(services, incident.id),
      );
    } catch (err) {
      if (res.headersSent) throw err;
      refuse(res, err);
    }
  });

  return router;
}
