// The fixed data set every part of `npm run bench` reads and writes: 5,000 incidents over two
// years (the newest tenth still open), 30 clients with 200 sites, 12 teams owning 40 services, 300
// people, each incident with its roles, a timeline of 10 to 30 entries and up to 4 action items.
// Deterministic: every value (ids included) comes from one seeded PRNG and fixed dates, so two runs
// measure the same rows. Built in memory, then inserted one statement per table from arrays
// (`unnest`), in one transaction: seconds, not the minutes the API would take one by one.
import { createHash } from 'node:crypto';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import {
  ActionItemKind,
  ActionItemStatus,
  ImpactLevel,
  IncidentFlowDecider,
  IncidentRole,
  Priority,
  Stage,
  TimelineKind,
  UrgencyLevel,
} from '../src/domain/enums';
import { incidentKey } from '../src/domain/incident/incident-key';
import { derivePriority } from '../src/domain/incident/priority-matrix';
import { priorityLabel, roleLabel, stageLabel } from '../src/domain/labels';

export interface DatasetSize {
  incidents: number;
  clients: number;
  sites: number;
  teams: number;
  services: number;
  people: number;
}

/** What issue 15 asks the bench to seed. */
export const FULL_DATASET: DatasetSize = {
  incidents: 5000,
  clients: 30,
  sites: 200,
  teams: 12,
  services: 40,
  people: 300,
};

export interface SeededDataset {
  size: DatasetSize;
  rows: Record<'incidents' | 'timelineEntries' | 'actionItems' | 'roleAssignments', number>;
  /** Open incidents a change may move (INVESTIGATING or IDENTIFIED), by key. */
  movable: number;
  ms: number;
}

/** The first incident's number; numbers the hub allocates later come after the last one. */
const FIRST_NUMBER = 100_001;
/** Declarations spread evenly over these two years (fixed: the same rows in every run). */
const FROM = Date.parse('2024-06-01T00:00:00Z');
const TO = Date.parse('2026-06-01T00:00:00Z');
const MINUTE = 60_000;
/** The newest tenth of the incidents is still open. */
const OPEN_SHARE = 0.1;

/** mulberry32: a small, well-known 32-bit PRNG; the same seed gives the same data set. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  return { next, int, pick };
}

/** A stable UUID per name (the data set's ids do not change between runs). */
const uuid = (name: string): string => {
  const h = createHash('md5').update(`incident-hub-bench:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const FIRST_NAMES = [
  'Ana',
  'Ben',
  'Chen',
  'Dana',
  'Eli',
  'Fatima',
  'Gus',
  'Hana',
  'Ivan',
  'Jo',
  'Kofi',
  'Lena',
];
const LAST_NAMES = [
  'Adams',
  'Baker',
  'Costa',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ito',
  'Jensen',
];
const SUMMARIES = [
  'Orders not reaching the MFC',
  'Picking stalled',
  'Totes stuck at induction',
  'Dispensing robots offline',
  'Order sync lagging',
  'Inventory counts drifting',
  'Label printers failing',
  'Slot booking errors',
];
const NOTES = [
  'Looking at the logs',
  'Restarted the sync worker',
  'Site confirms picking resumed',
  'Vendor engaged',
  'Rolling back the last release',
  'Backlog draining',
  'Client informed by the account team',
];
const SIDE_ROLES = [
  IncidentRole.ONSITE_TECHNICIAN,
  IncidentRole.DOMAIN_EXPERT,
  IncidentRole.SUPPORT_TEAM,
  IncidentRole.TAM,
];
const ITEM_KINDS = Object.values(ActionItemKind);
const IMPACTS = Object.values(ImpactLevel);
const URGENCIES = Object.values(UrgencyLevel);

type Row = Record<string, unknown>;

/** Column name -> its values, for one `INSERT … SELECT FROM unnest(…)` per table. */
export class Columns {
  readonly values = new Map<string, unknown[]>();
  constructor(private readonly types: Record<string, string>) {
    for (const c of Object.keys(types)) this.values.set(c, []);
  }
  push(row: Row): void {
    for (const [c, list] of this.values) list.push(row[c] ?? null);
  }
  get length(): number {
    return this.values.values().next().value?.length ?? 0;
  }
  async insert(pg: PgClient, table: string): Promise<void> {
    const cols = [...this.values.keys()];
    const args = cols.map((c, i) => `$${i + 1}::${this.types[c]}[]`).join(', ');
    // WITH ORDINALITY + ORDER BY: rows go in the order pushed (a timeline's sequence follows it)
    await pg.query(
      `INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')}
       FROM unnest(${args}) WITH ORDINALITY AS t(${cols.join(', ')}, ord) ORDER BY ord`,
      cols.map((c) => this.values.get(c)),
    );
  }
}

interface Person {
  id: string;
  name: string;
}

/**
 * Seeds the data set into the migrated database at `databaseUrl` (the hub's `database.url`; its
 * own rows, such as the administrator and the "Unknown" service, stay), then ANALYZEs. `size` may
 * be reduced (tests).
 */
export async function seedDataset(
  databaseUrl: string,
  size: DatasetSize = FULL_DATASET,
  seed = 15,
): Promise<SeededDataset> {
  const started = performance.now();
  const { tables, movable } = buildDataset(size, seed);
  // A connection of its own, without the hub's statement timeout: on a busy machine the
  // timeline's 100,000 rows can take longer than a request may.
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  try {
    await pg.query('BEGIN');
    await pg.query('SET LOCAL statement_timeout = 0');
    for (const [table, columns] of tables) await columns.insert(pg, table);
    // incidents the hub declares later are numbered after the data set's
    await pg.query(`SELECT setval('incident_number_seq', $1)`, [FIRST_NUMBER + size.incidents]);
    await pg.query('COMMIT');
    await pg.query('ANALYZE');
  } catch (err) {
    await pg.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await pg.end();
  }
  const count = (table: string) => tables.find(([t]) => t === table)![1].length;
  return {
    size,
    rows: {
      incidents: count('incident'),
      timelineEntries: count('timeline_entry'),
      actionItems: count('action_item'),
      roleAssignments: count('role_assignment'),
    },
    movable,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * The data set's rows, table by table in insertion order (pure: the same size and seed give the
 * same rows), and how many open incidents a change may move.
 */
export function buildDataset(
  size: DatasetSize,
  seed: number,
): { tables: [string, Columns][]; movable: number } {
  const r = prng(seed);

  const teams = new Columns({ id: 'uuid', name: 'text', opsgenie_team: 'text' });
  for (let i = 1; i <= size.teams; i++) {
    teams.push({ id: uuid(`team:${i}`), name: `Bench team ${i}`, opsgenie_team: `bench-team-${i}` });
  }
  const services = new Columns({ id: 'uuid', name: 'text', team_id: 'uuid' });
  for (let i = 1; i <= size.services; i++) {
    services.push({
      id: uuid(`service:${i}`),
      name: `Bench service ${i}`,
      team_id: uuid(`team:${1 + ((i - 1) % size.teams)}`),
    });
  }
  const clients = new Columns({ id: 'uuid', slug: 'text', name: 'text', slack_channel: 'text' });
  const clientSlugs: string[] = [];
  for (let i = 1; i <= size.clients; i++) {
    const slug = `bench-client-${i}`;
    clientSlugs.push(slug);
    clients.push({
      id: uuid(`client:${i}`),
      slug,
      name: `Bench client ${i}`,
      slack_channel: `#${slug}-prod`,
    });
  }
  // site j belongs to client j mod clients
  const sites = new Columns({ id: 'uuid', site_id: 'text', location: 'text', client_id: 'uuid' });
  const sitesOf: { id: string; siteId: string }[][] = Array.from({ length: size.clients }, () => []);
  for (let j = 0; j < size.sites; j++) {
    const c = j % size.clients;
    const site = { id: uuid(`site:${j}`), siteId: `bench-site-${j + 1}` };
    sitesOf[c].push(site);
    sites.push({
      id: site.id,
      site_id: site.siteId,
      location: `town-${j + 1}`,
      client_id: uuid(`client:${c + 1}`),
    });
  }
  const people = new Columns({
    id: 'uuid',
    name: 'text',
    email: 'text',
    slack_user_id: 'text',
    time_zone: 'text',
    team_id: 'uuid',
  });
  const persons: Person[] = [];
  for (let i = 1; i <= size.people; i++) {
    const name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)} ${i}`;
    const person = { id: uuid(`person:${i}`), name };
    persons.push(person);
    people.push({
      ...person,
      email: `bench-person-${i}@bench.example.com`,
      slack_user_id: `UBENCH${String(i).padStart(5, '0')}`,
      time_zone: r.pick(['America/New_York', 'America/Chicago', 'Europe/London']),
      team_id: uuid(`team:${1 + (i % size.teams)}`),
    });
  }

  const incidents = new Columns({
    id: 'uuid',
    key: 'text',
    summary: 'text',
    client_impact_level: 'impact_level',
    client_urgency_level: 'urgency_level',
    priority: 'priority',
    stage: 'stage',
    incident_flow: 'boolean',
    incident_flow_decided_by: 'incident_flow_decider',
    faulty_service_id: 'uuid',
    impact_started_at: 'timestamptz',
    detected_at: 'timestamptz',
    acknowledged_at: 'timestamptz',
    identified_at: 'timestamptz',
    mitigated_at: 'timestamptz',
    closed_at: 'timestamptz',
    declared_by_id: 'uuid',
    version: 'int',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  });
  const affectedClients = new Columns({ incident_id: 'uuid', client_id: 'uuid' });
  const affectedSites = new Columns({ incident_id: 'uuid', site_id: 'uuid' });
  const roles = new Columns({
    id: 'uuid',
    incident_id: 'uuid',
    role: 'incident_role',
    person_id: 'uuid',
    assigned_at: 'timestamptz',
    assigned_by_id: 'uuid',
  });
  const items = new Columns({
    id: 'uuid',
    incident_id: 'uuid',
    title: 'text',
    kind: 'action_item_kind',
    status: 'action_item_status',
    owner_id: 'uuid',
    due_date: 'timestamptz',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  });
  const timeline = new Columns({
    id: 'uuid',
    incident_id: 'uuid',
    kind: 'timeline_kind',
    occurred_at: 'timestamptz',
    actor_id: 'uuid',
    text: 'text',
    data: 'jsonb',
    created_at: 'timestamptz',
  });

  const step = (TO - FROM) / size.incidents;
  const firstOpen = Math.floor(size.incidents * (1 - OPEN_SHARE));
  let movable = 0;
  for (let n = 0; n < size.incidents; n++) {
    const id = uuid(`incident:${n}`);
    // a few clients have most of the incidents
    const c = Math.floor(size.clients * r.next() ** 2);
    const key = incidentKey(clientSlugs[c], FIRST_NUMBER + n);
    const impact = r.pick(IMPACTS);
    const urgency = r.pick(URGENCIES);
    const priority = derivePriority(impact, urgency);
    const flow = priority === Priority.P1 || priority === Priority.P2;
    const ack = FROM + n * step + r.int(0, Math.floor(step / 2));
    const detected = ack - r.int(0, 30) * MINUTE;
    const impactStarted = detected - r.int(0, 120) * MINUTE;
    const open = n >= firstOpen;
    const stage = open
      ? r.pick([
          Stage.ACKNOWLEDGED,
          Stage.INVESTIGATING,
          Stage.INVESTIGATING,
          Stage.IDENTIFIED,
          Stage.MITIGATED,
        ])
      : r.next() < 0.1
        ? Stage.CANCELLED
        : Stage.CLOSED;
    if (stage === Stage.INVESTIGATING || stage === Stage.IDENTIFIED) movable += 1;
    const reached = (s: Stage) => STAGE_PATH.indexOf(stage) >= STAGE_PATH.indexOf(s);
    const investigating = ack + r.int(2, 15) * MINUTE;
    const identified = reached(Stage.IDENTIFIED) ? investigating + r.int(10, 120) * MINUTE : null;
    const mitigated = reached(Stage.MITIGATED)
      ? (identified ?? investigating) + r.int(10, 240) * MINUTE
      : null;
    const postmortem = reached(Stage.POSTMORTEM) ? mitigated! + r.int(60, 600) * MINUTE : null;
    const closed =
      stage === Stage.CLOSED
        ? postmortem! + r.int(1, 5) * 1440 * MINUTE
        : stage === Stage.CANCELLED
          ? ack + r.int(5, 60) * MINUTE
          : null;
    const end = closed ?? mitigated ?? identified ?? investigating + 240 * MINUTE;
    const declarer = r.pick(persons);
    const serviceNumber = r.int(1, size.services);
    const service = uuid(`service:${serviceNumber}`);
    const summary = `${r.pick(SUMMARIES)} (${n + 1})`;
    const at = (ms: number) => new Date(ms).toISOString();
    incidents.push({
      id,
      key,
      summary,
      client_impact_level: impact,
      client_urgency_level: urgency,
      priority,
      stage,
      incident_flow: flow,
      incident_flow_decided_by: IncidentFlowDecider.PRIORITY,
      faulty_service_id: service,
      impact_started_at: at(impactStarted),
      detected_at: at(detected),
      acknowledged_at: at(ack),
      identified_at: identified && at(identified),
      mitigated_at: mitigated && at(mitigated),
      closed_at: closed && at(closed),
      declared_by_id: declarer.id,
      version: 1,
      created_at: at(ack),
      updated_at: at(end),
    });
    const affected = [c];
    if (r.next() < 0.2) affected.push((c + r.int(1, size.clients - 1)) % size.clients);
    for (const a of affected) affectedClients.push({ incident_id: id, client_id: uuid(`client:${a + 1}`) });
    const siteChoices = sitesOf[c];
    const siteCount = Math.min(siteChoices.length, r.int(0, 3));
    const siteStart = r.int(0, Math.max(0, siteChoices.length - 1));
    const chosenSites = Array.from(
      { length: siteCount },
      (_, k) => siteChoices[(siteStart + k) % siteChoices.length],
    );
    for (const s of chosenSites) affectedSites.push({ incident_id: id, site_id: s.id });

    // the timeline, built in time order: declared, roles, stage changes, action items, notes
    const entries: { kind: TimelineKind; at: number; actor: string | null; text: string; data: unknown }[] =
      [];
    entries.push({
      kind: TimelineKind.DECLARED,
      at: ack,
      actor: declarer.id,
      text: `Declared ${key} as ${priorityLabel(priority)}: ${summary}`,
      data: {
        priority,
        stage: Stage.ACKNOWLEDGED,
        clientImpactLevel: impact,
        clientUrgencyLevel: urgency,
        affectedClients: affected.map((a) => clientSlugs[a]),
        affectedSites: chosenSites.map((s) => s.siteId),
        faultyService: `Bench service ${serviceNumber}`,
        zendeskTicketId: null,
        incidentFlow: flow,
        incidentFlowDecidedBy: IncidentFlowDecider.PRIORITY,
      },
    });
    const holders = new Set<string>();
    const roleList = [IncidentRole.SOFTWARE_INCIDENT_MANAGER, ...SIDE_ROLES.slice(0, r.int(0, 3))];
    roleList.forEach((role, k) => {
      let person = r.pick(persons);
      while (holders.has(person.id)) person = r.pick(persons);
      holders.add(person.id);
      const assignmentId = uuid(`role:${n}:${k}`);
      const assignedAt = ack + (k + 1) * MINUTE;
      roles.push({
        id: assignmentId,
        incident_id: id,
        role,
        person_id: person.id,
        assigned_at: at(assignedAt),
        assigned_by_id: declarer.id,
      });
      entries.push({
        kind: TimelineKind.ROLE_ASSIGNED,
        at: assignedAt,
        actor: declarer.id,
        text: `${person.name} assigned as ${roleLabel(role)}`,
        data: {
          assignmentId,
          role,
          title: null,
          personId: person.id,
          personName: person.name,
          handover: false,
        },
      });
    });
    const moves: [Stage, number | null][] = [
      [Stage.INVESTIGATING, stage === Stage.ACKNOWLEDGED || stage === Stage.CANCELLED ? null : investigating],
      [Stage.IDENTIFIED, identified],
      [Stage.MITIGATED, mitigated],
      [Stage.POSTMORTEM, postmortem],
      [stage === Stage.CANCELLED ? Stage.CANCELLED : Stage.CLOSED, closed],
    ];
    let from = Stage.ACKNOWLEDGED;
    for (const [to, when] of moves) {
      if (when === null) continue;
      entries.push({
        kind: TimelineKind.STAGE_CHANGED,
        at: when,
        actor: declarer.id,
        text: `Stage changed from ${stageLabel(from)} to ${stageLabel(to)}`,
        data: { from, to, note: null },
      });
      from = to;
    }
    const itemCount = r.int(0, 4);
    for (let k = 0; k < itemCount; k++) {
      const itemId = uuid(`item:${n}:${k}`);
      const kind = r.pick(ITEM_KINDS);
      const owner = r.pick(persons);
      const created = ack + r.int(20, 600) * MINUTE;
      const title = `${kind === ActionItemKind.CLEANUP ? 'Clean up after' : 'Prevent'} ${summary}`.slice(
        0,
        200,
      );
      items.push({
        id: itemId,
        incident_id: id,
        title,
        kind,
        status: open ? r.pick([ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS]) : ActionItemStatus.DONE,
        owner_id: owner.id,
        due_date: at(created + 14 * 1440 * MINUTE),
        created_at: at(created),
        updated_at: at(created),
      });
      entries.push({
        kind: TimelineKind.ACTION_ITEM,
        at: created,
        actor: declarer.id,
        text: `Action item (${kind}) for ${owner.name}: ${title}`,
        data: { actionItemId: itemId, change: 'created', kind, ownerId: owner.id },
      });
    }
    const total = r.int(10, 30);
    while (entries.length < total) {
      entries.push({
        kind: TimelineKind.NOTE,
        at: r.int(ack + MINUTE, end),
        actor: r.pick(persons).id,
        text: r.pick(NOTES),
        data: {},
      });
    }
    entries.sort((a, b) => a.at - b.at);
    entries.forEach((e, k) =>
      timeline.push({
        id: uuid(`entry:${n}:${k}`),
        incident_id: id,
        kind: e.kind,
        occurred_at: at(e.at),
        actor_id: e.actor,
        text: e.text,
        data: JSON.stringify(e.data),
        created_at: at(e.at),
      }),
    );
  }

  return {
    tables: [
      ['team', teams],
      ['service', services],
      ['client', clients],
      ['site', sites],
      ['person', people],
      ['incident', incidents],
      ['incident_affected_client', affectedClients],
      ['incident_affected_site', affectedSites],
      ['role_assignment', roles],
      ['action_item', items],
      ['timeline_entry', timeline],
    ],
    movable,
  };
}

/** The stages in lifecycle order (CANCELLED ends it from anywhere before MITIGATED). */
const STAGE_PATH: readonly Stage[] = [
  Stage.ACKNOWLEDGED,
  Stage.INVESTIGATING,
  Stage.IDENTIFIED,
  Stage.MITIGATED,
  Stage.POSTMORTEM,
  Stage.CLOSED,
];

/**
 * Open incidents of the data set a change may move back and forth (INVESTIGATING <-> IDENTIFIED),
 * as they are now, oldest first: the load run and the history part take theirs from here.
 */
export async function movableIncidents(
  dataSource: DataSource,
  limit: number,
): Promise<{ id: string; key: string; stage: Stage }[]> {
  return dataSource.query(
    `SELECT id, key, stage FROM incident WHERE stage IN ('INVESTIGATING', 'IDENTIFIED') AND key LIKE 'bench-client-%'
     ORDER BY acknowledged_at, id LIMIT $1`,
    [limit],
  );
}
