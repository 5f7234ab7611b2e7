// No N+1 anywhere in the schema: every list field is walked, from the schema itself, at two page
// sizes, and must cost the same number of SQL statements at both.
import {
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import {
  AccessRole,
  ActionItemKind,
  AlertSource,
  AlertStatus,
  Audience,
  ImpactLevel,
  IncidentRole,
  UrgencyLevel,
} from '../../src/domain/enums';
import { Alert, SupportTicket } from '../../src/entities';
import { hubSchema } from '../../src/schema/build-schema';
import { DEFAULT_QUERY_LIMITS } from '../../src/schema/query-limits';
import { startTestHub, type TestHub } from '../support/test-hub';

/**
 * Fields the walk leaves out, as `Type.field`, each with its reason. A field listed here is not
 * checked for N+1; keep it empty unless a field cannot be walked (e.g. it calls a vendor).
 */
const SKIPPED: Record<string, string> = {};

/**
 * Types whose lists have the same length whatever the page size, so an N+1 in their fields could
 * not show as a difference; each with its reason. Their fields are still walked and counted.
 */
const FIXED_LENGTH: Record<string, string> = {
  IntegrationHealth: 'one row per vendor, built in memory from the two grouped counts of integrationHealth',
  IncidentMetricsGroup: 'incidentMetrics takes no page size: one group per key, all from one SQL statement',
  IncidentMetricsKey: 'part of an IncidentMetricsGroup, from the same single statement',
  DurationStats: 'part of an IncidentMetricsGroup, from the same single statement',
  AlertConnection:
    'only the root query alerts returns one: a single connection per walk whatever the page size (its nodes grow and are checked)',
};

/** The page sizes compared: both pages must be really full at every level (checked below). */
const SMALL = 2;
const LARGE = 6;

/** Extra clients, each with one site, so that a larger page of incidents reaches more of them. */
const EXTRA_CLIENTS = ['acme', 'bolt', 'cargo', 'delta', 'ember', 'fresh'];
const INCIDENTS = 55;

let t: TestHub;
beforeAll(async () => {
  // The walks select every field of the schema at once, every list nested in every other: far
  // beyond what a client needs (and so the cost limit), which is not what this file measures.
  // TOKEN_CACHE_MS=0: the token is read on every request, so each measured request counts its one lookup
  t = await startTestHub({ MAX_QUERY_COST: '100000000', TOKEN_CACHE_MS: '0' });
  const { incidents, roles, updates, actionItems, catalogue } = t.hub.services;
  for (const [n, slug] of EXTRA_CLIENTS.entries()) {
    await catalogue.upsertClient(t.adminActor, { slug, name: slug.toUpperCase() });
    await catalogue.upsertSite(t.adminActor, {
      siteId: `${slug}0${n}`,
      location: `${slug}-town`,
      clientSlug: slug,
    });
  }
  const clientSlugs = ['albertsons', 'wakefern', ...EXTRA_CLIENTS];
  const siteIds = ['ab0001', 'wf0001', ...EXTRA_CLIENTS.map((slug, n) => `${slug}0${n}`)];
  const actor = { personId: t.people.manager.id, accessRole: AccessRole.INCIDENT_MANAGER };
  const tickets = t.database.dataSource.getRepository(SupportTicket);
  const alerts = t.database.dataSource.getRepository(Alert);
  const siteRows = [t.catalogue.sites.wf0001.id, t.catalogue.sites.ab0001.id];
  for (let i = 0; i < INCIDENTS; i++) {
    // neighbouring incidents affect different clients and sites: a larger page reaches more of them
    const pick = <T>(list: T[]) => [list[i % list.length], list[(i + 1) % list.length]];
    const incident = await incidents.declareIncident(actor, {
      summary: `Incident ${i}`,
      clientImpactLevel: ImpactLevel.SIGNIFICANT,
      clientUrgencyLevel: UrgencyLevel.HIGH,
      faultyServiceId: t.catalogue.orderSync.id,
      affectedClientSlugs: pick(clientSlugs),
      affectedSiteIds: pick(siteIds),
    });
    const incidentKey = incident.key;
    await roles.assignRole(actor, {
      incidentKey,
      role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
      personId: t.people.manager.id,
    });
    await roles.assignRole(actor, {
      incidentKey,
      role: IncidentRole.DOMAIN_EXPERT,
      personId: t.people.expert.id,
    });
    for (let n = 0; n < 6; n++) await updates.addNote(actor, { incidentKey, text: `note ${n}` });
    await actionItems.createActionItem(actor, {
      incidentKey,
      title: 'Clean up',
      kind: ActionItemKind.CLEANUP,
      ownerId: t.people.responder.id,
      dueDate: new Date('2030-01-01T00:00:00Z'),
    });
    await updates.postStatusUpdate(actor, {
      incidentKey,
      audience: Audience.INTERNAL,
      clientImpact: 'Orders are late',
      knownProblem: 'Order sync is stuck',
      attempted: 'Restarted it',
      nextSteps: 'Watch the queue',
    });
    await tickets.insert({
      incidentId: incident.id,
      ticketId: `${1000 + i}`,
      subject: `Orders late (${i})`,
      status: 'open',
      origin: false,
      linkedAt: new Date(),
    });
    // two monitoring alerts attached to it, naming its service and one of two sites
    await alerts.insert(
      [0, 1].map((n) => ({
        source: AlertSource.ALERTMANAGER,
        fingerprint: `n-plus-one-${i}-${n}`,
        name: `Alert ${i}.${n}`,
        summary: null,
        labels: { alertname: `Alert ${i}.${n}` },
        severity: 'critical',
        serviceId: t.catalogue.orderSync.id,
        siteRowId: siteRows[(i + n) % 2],
        status: AlertStatus.FIRING,
        firstSeenAt: new Date(Date.now() - 60_000),
        lastSeenAt: new Date(Date.now() - i * 1000 - n),
        resolvedAt: null,
        url: null,
        incidentId: incident.id,
        attachedAt: new Date(),
        suggestedAt: null,
      })),
    );
  }
}, 300_000);
afterAll(async () => {
  await t?.close();
});

/** A query's statements, after one warm-up run so that nothing lazily initialised is counted. */
async function measure<T>(query: string, variables: Record<string, unknown>) {
  await t.ok(query, variables);
  const run = await t.database.queries.measure(() => t.ok<T>(query, variables));
  // the one indexed lookup of the API token that authenticates the request is counted apart
  const tokenLookups = run.sql.filter((q) => /FROM "api_token"/.test(q));
  expect(tokenLookups).toHaveLength(1);
  return { ...run, statements: run.statements - tokenLookups.length };
}

// ---------------------------------------------------------------------------------------------
// The walk: one query per root field returning a list or a connection, generated from the schema.

interface WalkNode {
  type: GraphQLObjectType;
  /** Leaf fields, by response name. */
  leaves: string[];
  /** Object-valued fields expanded here. */
  children: { field: GraphQLField<unknown, unknown>; args: string; node: WalkNode }[];
}

interface Walk {
  root: string;
  query: string;
  tree: WalkNode;
  /** Every `Type.field` the query selects. */
  selected: Set<string>;
}

const isConnection = (type: GraphQLObjectType) => {
  const nodes = type.getFields().nodes;
  return Boolean(nodes && isListType(getNullableType(nodes.type)));
};

const returnsListOrConnection = (field: GraphQLField<unknown, unknown>) => {
  const type = getNullableType(field.type);
  const named = getNamedType(field.type);
  return isListType(type) || (isObjectType(named) && isConnection(named));
};

/** Arguments the walk passes: `first` for page sizes; any other must be optional. */
function argumentsOf(parent: string, field: GraphQLField<unknown, unknown>): string {
  const passed: string[] = [];
  for (const arg of field.args) {
    if (arg.name === 'first') passed.push('first: $first');
    else if (arg.type.toString().endsWith('!') && arg.defaultValue === undefined)
      throw new Error(
        `${parent}.${field.name} needs argument "${arg.name}": teach the walk a value for it, or add the field to SKIPPED with a reason`,
      );
  }
  return passed.length ? `(${passed.join(', ')})` : '';
}

/**
 * Selects every field of the root's type, recursively, breadth first: each object-valued field
 * (`Type.field`) is expanded once per query, at its shallowest place below the root (the root's
 * own fields once more), which keeps the query within the depth, token and cost limits while
 * still selecting every field reachable from the root. Leaf fields are selected wherever their
 * type appears (they may cost SQL too: counts, totals).
 */
function walkFor(schema: GraphQLSchema, rootName: string): Walk {
  const rootField = schema.getQueryType()!.getFields()[rootName];
  const selected = new Set<string>([`Query.${rootName}`]);
  const expanded = new Set<string>();
  const node = (type: GraphQLObjectType): WalkNode => ({ type, leaves: [], children: [] });
  const tree = node(getNamedType(rootField.type) as GraphQLObjectType);
  const queue: { node: WalkNode; depth: number }[] = [{ node: tree, depth: 1 }];
  while (queue.length) {
    const { node: current, depth } = queue.shift()!;
    for (const field of Object.values(current.type.getFields())) {
      const key = `${current.type.name}.${field.name}`;
      if (key in SKIPPED) continue;
      const named = getNamedType(field.type);
      if (isLeafType(named)) {
        argumentsOf(current.type.name, field);
        current.leaves.push(field.name);
        selected.add(key);
      } else if (!isObjectType(named)) {
        throw new Error(`${key}: the walk knows objects and leaves only, not ${named.toString()}`);
      } else if (!expanded.has(key) && depth + 1 <= DEFAULT_QUERY_LIMITS.maxDepth) {
        // the root's own fields are expanded once more below, where they belong to many parents
        if (current !== tree) expanded.add(key);
        selected.add(key);
        const child = node(named);
        current.children.push({ field, args: argumentsOf(current.type.name, field), node: child });
        queue.push({ node: child, depth: depth + 1 });
      }
    }
  }
  const render = (n: WalkNode): string =>
    `{ ${[...n.leaves, ...n.children.map((c) => `${c.field.name}${c.args} ${render(c.node)}`)].join(' ')} }`;
  const body = `${rootName}${argumentsOf('Query', rootField)} ${render(tree)}`;
  const query = body.includes('$first')
    ? `query Walk_${rootName}($first: Int!) { ${body} }`
    : `query Walk_${rootName} { ${body} }`;
  return { root: rootName, query, tree, selected };
}

/** How many parent objects each `Type.field` was resolved for in a response. */
function resolutions(walk: Walk, data: Record<string, unknown>): Map<string, number> {
  const counts = new Map<string, number>([[`Query.${walk.root}`, 1]]);
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  const visit = (n: WalkNode, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) return value.forEach((v) => visit(n, v));
    const object = value as Record<string, unknown>;
    for (const leaf of n.leaves) add(`${n.type.name}.${leaf}`, 1);
    for (const c of n.children) {
      add(`${n.type.name}.${c.field.name}`, 1);
      visit(c.node, object[c.field.name]);
    }
  };
  visit(walk.tree, data[walk.root]);
  return counts;
}

/** Every object type reachable from Query, with every field: what the walks must cover. */
function reachableFields(schema: GraphQLSchema): Set<string> {
  const fields = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: GraphQLObjectType) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    for (const field of Object.values(type.getFields())) {
      fields.add(`${type.name}.${field.name}`);
      const named = getNamedType(field.type);
      if (isObjectType(named)) visit(named);
    }
  };
  visit(schema.getQueryType()!);
  return fields;
}

describe('no N+1 anywhere in the schema', () => {
  let schema: GraphQLSchema;
  let walks: Walk[];
  beforeAll(async () => {
    schema = await hubSchema();
    walks = Object.values(schema.getQueryType()!.getFields())
      .filter((f) => returnsListOrConnection(f) && !(`Query.${f.name}` in SKIPPED))
      .map((f) => walkFor(schema, f.name));
  });

  it('walks every field reachable from Query, except the explicit skips', () => {
    const walked = new Set(walks.flatMap((w) => [...w.selected]));
    const rootObjects = Object.values(schema.getQueryType()!.getFields())
      .filter((f) => !returnsListOrConnection(f))
      .map((f) => `Query.${f.name}`);
    const missing = [...reachableFields(schema)].filter(
      // single-object root fields (incident, me) are not lists; their types are walked from the lists
      (f) => !walked.has(f) && !(f in SKIPPED) && !rootObjects.includes(f),
    );
    expect(missing).toEqual([]);
    for (const skipped of Object.keys(SKIPPED)) expect(reachableFields(schema)).toContain(skipped);
  });

  it(`costs the same number of SQL statements for pages of ${SMALL} and of ${LARGE}, for every list`, async () => {
    const report: string[] = [];
    const failures: string[] = [];
    /** For each `Type.field`: whether some walk resolved it for more parents on the larger page. */
    const grows = new Map<string, boolean>();
    for (const walk of walks) {
      const small = await measure<Record<string, unknown>>(walk.query, { first: SMALL });
      const large = await measure<Record<string, unknown>>(walk.query, { first: LARGE });
      report.push(
        `${walk.root}: ${small.statements} statements for ${SMALL}, ${large.statements} for ${LARGE}`,
      );
      if (small.statements !== large.statements)
        failures.push(
          `${walk.root}: ${small.statements} statements for ${SMALL} but ${large.statements} for ${LARGE}`,
        );
      const before = resolutions(walk, small.result);
      for (const [key, n] of resolutions(walk, large.result)) {
        grows.set(key, grows.get(key) === true || n > (before.get(key) ?? 0));
      }
      if (process.env.SHOW_SQL) report.push(walk.query, ...large.sql, '');
    }
    if (process.env.SHOW_SQL) process.stdout.write(`${report.join('\n')}\n`);
    expect(failures).toEqual([]);

    // The data is there: every field was resolved for more parents on the larger page (so an
    // N+1 would have shown), except fields of Query itself and of fixed-length lists.
    const flat = [...grows]
      .filter(([key, grew]) => !grew && !key.startsWith('Query.') && !(key.split('.')[0] in FIXED_LENGTH))
      .map(([key]) => key);
    expect(flat).toEqual([]);
  });
});

describe('the incidents of a client or a site', () => {
  const PAGE = `pageInfo { endCursor hasNextPage } edges { cursor node { key } } totalCount`;
  const NESTED = `query Nested($first: Int!, $after: String) {
    clients { slug incidents(first: $first, after: $after) { ${PAGE} } }
    sites { siteId incidents(first: $first, after: $after) { ${PAGE} } }
  }`;
  const FILTERED = `query Filtered($filter: IncidentFilter!, $first: Int!, $after: String) {
    incidents(filter: $filter, first: $first, after: $after) { ${PAGE} }
  }`;

  interface Page {
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    edges: { cursor: string; node: { key: string } }[];
    totalCount: number;
  }
  interface Nested {
    clients: { slug: string; incidents: Page }[];
    sites: { siteId: string; incidents: Page }[];
  }

  it('page, cursor and total exactly as incidents(filter:) does, batched or not', async () => {
    const first = await t.ok<Nested>(NESTED, { first: 4 });
    // continue every parent after one cursor: a page that starts in the middle for each of them
    const middle = first.clients[0].incidents.edges[2].cursor;
    for (const [after, size] of [
      [null, 4],
      [middle, 3],
      [middle, 0],
      [null, 100],
    ] as const) {
      const nested = await t.ok<Nested>(NESTED, { first: size, after });
      for (const { slug, incidents } of nested.clients) {
        const alone = await t.ok<{ incidents: Page }>(FILTERED, {
          filter: { clientSlugs: [slug] },
          first: size,
          after,
        });
        expect({ slug, ...incidents }).toEqual({ slug, ...alone.incidents });
      }
      for (const { siteId, incidents } of nested.sites) {
        const alone = await t.ok<{ incidents: Page }>(FILTERED, {
          filter: { siteIds: [siteId] },
          first: size,
          after,
        });
        expect({ siteId, ...incidents }).toEqual({ siteId, ...alone.incidents });
      }
    }
    // the data is really there: full pages that continue, and totals beyond a page
    expect(
      first.clients.every((c) => c.incidents.edges.length === 4 && c.incidents.pageInfo.hasNextPage),
    ).toBe(true);
    expect(first.clients.every((c) => c.incidents.totalCount > 4)).toBe(true);
  });

  it('answer a cursor this API did not issue with BAD_USER_INPUT, as incidents(filter:) does', async () => {
    const nested = await t.gql(NESTED, { first: 2, after: 'not-a-cursor' });
    const alone = await t.gql(FILTERED, {
      filter: { clientSlugs: ['acme'] },
      first: 2,
      after: 'not-a-cursor',
    });
    const codes = (r: typeof nested) => [...new Set(r.body.errors?.map((e) => e.extensions?.code))];
    expect(codes(nested)).toEqual(['BAD_USER_INPUT']);
    expect(codes(nested)).toEqual(codes(alone));
  });
});

describe('the incident board', () => {
  const QUERY = `query Board($first: Int!) {
    incidents(first: $first) {
      totalCount
      nodes {
        key
        faultyService { name team { name } }
        affectedClients { slug }
        affectedSites { siteId }
        roles { role person { name } }
        timeline(first: 5, newestFirst: true) { nodes { kind text actor { name } } }
        actionItems { title owner { name } }
      }
    }
  }`;

  interface Board {
    incidents: {
      totalCount: number;
      nodes: {
        faultyService: { team: { name: string } };
        affectedClients: unknown[];
        affectedSites: unknown[];
        roles: { person: { name: string } }[];
        timeline: { nodes: { actor: { name: string } }[] };
        actionItems: { owner: { name: string } }[];
      }[];
    };
  }

  it('costs the same number of SQL statements for 5 and for 50 incidents, one per relation level', async () => {
    const five = await measure<Board>(QUERY, { first: 5 });
    const fifty = await measure<Board>(QUERY, { first: 50 });

    // the data really is there at every level
    expect(fifty.result.incidents.nodes).toHaveLength(50);
    for (const node of fifty.result.incidents.nodes) {
      expect(node.faultyService.team.name).toBe('Fulfillment Software');
      expect(node.affectedClients).toHaveLength(2);
      expect(node.affectedSites).toHaveLength(2);
      expect(node.roles).toHaveLength(2);
      expect(node.timeline.nodes).toHaveLength(5);
      expect(node.timeline.nodes.every((e) => e.actor.name === t.people.manager.name)).toBe(true);
      expect(node.actionItems[0].owner.name).toBe(t.people.responder.name);
    }

    if (process.env.SHOW_SQL)
      process.stdout.write(
        `statements: ${five.statements} for 5, ${fifty.statements} for 50\n${fifty.sql.join('\n')}\n`,
      );
    expect(fifty.statements).toBe(five.statements);
    // relation levels: faulty service, its team, clients, sites, roles, their people, timeline,
    // its actors, action items, their owners = 10; plus the page and its total (the API token
    // lookup that authenticates the request is counted apart, by measure).
    expect(fifty.statements).toBe(10 + 2);
  });
});
