// Demo data for a first start: a small catalogue and a few incidents in different stages, made
// through the hub's own services and unit of work, like real changes (so their timelines are real
// and their vendor effects are planned). Runs once: it does nothing when any client exists.
import { Client, Person } from '../entities';
import { SYSTEM_ADMIN_EMAIL } from '../domain/access/token.service';
import type { Actor } from '../domain/access/access';
import {
  AccessRole,
  ActionItemKind,
  ActionItemStatus,
  Audience,
  ImpactLevel,
  IncidentRole,
  Stage,
  UrgencyLevel,
} from '../domain/enums';
import type { UnitOfWork } from '../domain/unit-of-work';
import type { HubServices } from '../schema/context';

const MINUTE = 60_000;

/** The hub services the seed goes through. */
type SeedServices = Pick<
  HubServices,
  'dataSource' | 'catalogue' | 'incidents' | 'roles' | 'updates' | 'actionItems'
>;

/** Seed once, through the hub's services and unit of work; returns whether anything was written. */
export async function seedDemoData(services: SeedServices, uow: UnitOfWork): Promise<boolean> {
  const { dataSource } = services;
  if ((await dataSource.getRepository(Client).count()) > 0) return false;
  // A movable clock, so the demo incidents have a believable history.
  const start = Date.now();
  let now = new Date(start - 6 * 60 * MINUTE);
  const at = (minutesAgo: number) => {
    now = new Date(start - minutesAgo * MINUTE);
  };
  return uow.withClock(
    () => now,
    () => seed(services, at, start),
  );
}

async function seed(
  { dataSource, catalogue, incidents, roles, updates, actionItems }: SeedServices,
  at: (minutesAgo: number) => void,
  start: number,
): Promise<boolean> {
  const admin = await dataSource.getRepository(Person).findOneByOrFail({ email: SYSTEM_ADMIN_EMAIL });
  const actor: Actor = { personId: admin.id, accessRole: AccessRole.ADMIN };

  await catalogue.upsertClient(actor, {
    slug: 'albertsons',
    name: 'Albertsons',
    slackChannel: '#albertsons-prod',
  });
  await catalogue.upsertClient(actor, { slug: 'wakefern', name: 'Wakefern', slackChannel: '#wakefern-prod' });
  for (const [siteId, location, clientSlug] of [
    ['wf0001', 'clifton-nj', 'wakefern'],
    ['wf0002', 'paramus-nj', 'wakefern'],
    ['ab0001', 'dallas-tx', 'albertsons'],
    ['ab0002', 'boise-id', 'albertsons'],
  ] as const) {
    await catalogue.upsertSite(actor, { siteId, location, clientSlug });
  }
  const software = await catalogue.upsertTeam(actor, {
    name: 'Fulfillment Software',
    opsgenieTeam: 'fulfillment-software',
    opsgenieSchedule: 'fulfillment-software-schedule',
  });
  const robotics = await catalogue.upsertTeam(actor, {
    name: 'Robotics',
    opsgenieTeam: 'robotics',
    opsgenieSchedule: 'robotics-schedule',
  });
  const platform = await catalogue.upsertTeam(actor, {
    name: 'Platform',
    opsgenieTeam: 'platform',
    opsgenieSchedule: 'platform-schedule',
  });
  const orderSync = await catalogue.upsertService(actor, { name: 'Order Sync', teamId: software.id });
  await catalogue.upsertService(actor, { name: 'Inventory', teamId: software.id });
  const picking = await catalogue.upsertService(actor, { name: 'Picking Robots', teamId: robotics.id });
  const network = await catalogue.upsertService(actor, { name: 'Site Network', teamId: platform.id });
  await catalogue.upsertService(actor, { name: 'Unknown', teamId: platform.id });

  const person = (
    email: string,
    name: string,
    slackUserId: string,
    teamId: string,
    accessRole: AccessRole,
    timeZone: string,
  ) =>
    catalogue.upsertPerson(actor, {
      email,
      name,
      slackUserId,
      teamId,
      accessRole,
      timeZone,
      opsgenieUser: email,
    });
  const dana = await person(
    'dana.whitfield@example.com',
    'Dana Whitfield',
    'U01DANA001',
    software.id,
    AccessRole.INCIDENT_MANAGER,
    'America/New_York',
  );
  const raj = await person(
    'raj.patel@example.com',
    'Raj Patel',
    'U01RAJ0002',
    software.id,
    AccessRole.RESPONDER,
    'America/Chicago',
  );
  const maria = await person(
    'maria.gomez@example.com',
    'Maria Gomez',
    'U01MARIA03',
    robotics.id,
    AccessRole.INCIDENT_MANAGER,
    'America/New_York',
  );
  const tom = await person(
    'tom.chen@example.com',
    'Tom Chen',
    'U01TOM0004',
    robotics.id,
    AccessRole.RESPONDER,
    'America/Los_Angeles',
  );
  const priya = await person(
    'priya.nair@example.com',
    'Priya Nair',
    'U01PRIYA05',
    platform.id,
    AccessRole.RESPONDER,
    'America/New_York',
  );
  await person(
    'sam.okafor@example.com',
    'Sam Okafor',
    'U01SAM0006',
    platform.id,
    AccessRole.VIEWER,
    'Europe/London',
  );
  const as = (p: Person): Actor => ({ personId: p.id, accessRole: p.accessRole });

  // 1. Ended: a closed P2 with its postmortem work.
  at(300);
  const closed = await incidents.declareIncident(as(dana), {
    summary: 'Order sync to Albertsons delayed by 20 minutes',
    clientImpact: 'Orders reached the MFC late; some pickups missed their slot',
    clientImpactLevel: ImpactLevel.SIGNIFICANT,
    clientUrgency: 'Within the hour',
    clientUrgencyLevel: UrgencyLevel.HIGH,
    faultyServiceId: orderSync.id,
    affectedClientSlugs: ['albertsons'],
    affectedSiteIds: ['ab0001'],
    impactStartedAt: new Date(start - 325 * MINUTE),
    detectedAt: new Date(start - 310 * MINUTE),
    idempotencyKey: 'demo-1',
  });
  const k1 = closed.key;
  await roles.assignRole(as(dana), {
    incidentKey: k1,
    role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
    personId: dana.id,
  });
  await roles.assignRole(as(dana), {
    incidentKey: k1,
    role: IncidentRole.DOMAIN_EXPERT,
    personId: raj.id,
  });
  at(295);
  await incidents.changeStage(as(dana), { incidentKey: k1, stage: Stage.INVESTIGATING });
  at(270);
  await incidents.changeStage(as(dana), {
    incidentKey: k1,
    stage: Stage.IDENTIFIED,
    note: 'Message queue consumer stuck after deploy',
  });
  at(250);
  await incidents.changeStage(as(dana), {
    incidentKey: k1,
    stage: Stage.MITIGATED,
    note: 'Consumer restarted; backlog drained',
  });
  await updates.postStatusUpdate(as(dana), {
    incidentKey: k1,
    audience: Audience.EXTERNAL,
    clientImpact: 'Orders are flowing normally again',
    knownProblem: 'A stuck queue consumer delayed order delivery',
    attempted: 'Restarted the consumer and drained the backlog',
    nextSteps: 'Postmortem to follow',
  });
  at(200);
  await incidents.changeStage(as(dana), { incidentKey: k1, stage: Stage.POSTMORTEM });
  const alert = await actionItems.createActionItem(as(dana), {
    incidentKey: k1,
    title: 'Alert on consumer lag above 5 minutes',
    kind: ActionItemKind.PREVENTION,
    ownerId: raj.id,
    dueDate: new Date(start + 7 * 24 * 60 * MINUTE),
    jiraIssueKey: 'INC-101',
  });
  await actionItems.updateActionItem(as(raj), { id: alert.id, status: ActionItemStatus.IN_PROGRESS });
  at(120);
  await incidents.changeStage(as(dana), { incidentKey: k1, stage: Stage.CLOSED });

  // 2. From a Zendesk ticket: robots stalled at Clifton, cause identified.
  at(90);
  const robots = await incidents.declareIncident(as(maria), {
    summary: 'Picking robots stalled at Clifton',
    description: 'Robots stop mid-aisle and wait for a path that never clears.',
    clientImpact: 'Clifton picks at 40% of normal rate',
    clientImpactLevel: ImpactLevel.MODERATE,
    clientUrgency: 'Same-day orders at risk',
    clientUrgencyLevel: UrgencyLevel.HIGH,
    faultyServiceId: picking.id,
    affectedClientSlugs: ['wakefern'],
    affectedSiteIds: ['wf0001'],
    impactStartedAt: new Date(start - 110 * MINUTE),
    detectedAt: new Date(start - 95 * MINUTE),
    zendeskTicketId: '42675',
    idempotencyKey: 'demo-2',
  });
  const k2 = robots.key;
  await roles.assignRole(as(maria), {
    incidentKey: k2,
    role: IncidentRole.HARDWARE_INCIDENT_MANAGER,
    personId: maria.id,
  });
  await roles.assignRole(as(maria), {
    incidentKey: k2,
    role: IncidentRole.ONSITE_TECHNICIAN,
    personId: tom.id,
  });
  await roles.assignRole(as(maria), { incidentKey: k2, role: IncidentRole.TAM, personId: priya.id });
  at(80);
  await incidents.changeStage(as(maria), { incidentKey: k2, stage: Stage.INVESTIGATING });
  await updates.addNote(as(tom), {
    incidentKey: k2,
    text: 'Three robots in aisle 4 report path-planner timeouts',
  });
  at(50);
  await incidents.changeStage(as(maria), {
    incidentKey: k2,
    stage: Stage.IDENTIFIED,
    note: 'Path planner map is stale after a layout change',
  });
  await updates.postStatusUpdate(as(maria), {
    incidentKey: k2,
    audience: Audience.INTERNAL,
    clientImpact: 'Clifton picking at 40% of normal rate',
    knownProblem: 'Stale path-planner map after a layout change',
    attempted: 'Restarted two robots; no change',
    nextSteps: 'Reload the site map and restart the planner',
  });

  // 3. Fresh P1 across both clients, still investigating.
  at(25);
  const p1 = await incidents.declareIncident(as(dana), {
    summary: 'Site network outage: MFCs cannot reach the order service',
    clientImpact: 'No new orders reach the affected sites',
    clientImpactLevel: ImpactLevel.EXTENSIVE,
    clientUrgency: 'Now',
    clientUrgencyLevel: UrgencyLevel.CRITICAL,
    faultyServiceId: network.id,
    affectedClientSlugs: ['albertsons', 'wakefern'],
    affectedSiteIds: ['ab0002', 'wf0002'],
    impactStartedAt: new Date(start - 32 * MINUTE),
    detectedAt: new Date(start - 28 * MINUTE),
    idempotencyKey: 'demo-3',
  });
  const k3 = p1.key;
  await roles.assignRole(as(dana), {
    incidentKey: k3,
    role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
    personId: dana.id,
  });
  await roles.assignRole(as(dana), {
    incidentKey: k3,
    role: IncidentRole.DOMAIN_EXPERT,
    personId: priya.id,
  });
  await roles.assignRole(as(dana), {
    incidentKey: k3,
    role: IncidentRole.CUSTOM,
    personId: raj.id,
    title: 'External communications',
  });
  at(20);
  await incidents.changeStage(as(dana), { incidentKey: k3, stage: Stage.INVESTIGATING });

  // 4. A P4 just acknowledged, not yet worked.
  at(5);
  await incidents.declareIncident(as(dana), {
    summary: 'Inventory report shows duplicate rows',
    clientImpactLevel: ImpactLevel.MINOR,
    clientUrgencyLevel: UrgencyLevel.LOW,
    affectedClientSlugs: ['wakefern'],
    idempotencyKey: 'demo-4',
  });
  return true;
}
