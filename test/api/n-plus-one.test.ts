import { AccessRole, ActionItemKind, ImpactLevel, IncidentRole, UrgencyLevel } from '../../src/domain/enums';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  const { incidents, roles, updates, actionItems } = t.hub.services;
  const actor = { personId: t.people.manager.id, accessRole: AccessRole.INCIDENT_MANAGER };
  for (let i = 0; i < 55; i++) {
    const incident = await incidents.declareIncident(actor, {
      summary: `Incident ${i}`,
      clientImpactLevel: ImpactLevel.SIGNIFICANT,
      clientUrgencyLevel: UrgencyLevel.HIGH,
      faultyServiceId: t.catalogue.orderSync.id,
      affectedClientSlugs: ['albertsons', 'wakefern'],
      affectedSiteIds: ['wf0001', 'ab0001'],
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
  }
}, 180_000);
afterAll(async () => {
  await t?.close();
});

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

async function statementsFor(first: number) {
  // one warm-up run, so that nothing lazily initialised is counted
  await t.ok(QUERY, { first });
  return t.database.queries.measure(() => t.ok<Board>(QUERY, { first }));
}

describe('no N+1', () => {
  it('costs the same number of SQL statements for 5 and for 50 incidents, one per relation level', async () => {
    const five = await statementsFor(5);
    const fifty = await statementsFor(50);

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
    // its actors, action items, their owners = 10; plus the page and its total; plus the one
    // indexed lookup of the API token that authenticates the request.
    const tokenLookups = fifty.sql.filter((q) => /FROM "api_token"/.test(q));
    expect(tokenLookups).toHaveLength(1);
    expect(fifty.statements - tokenLookups.length).toBe(10 + 2);
    expect(fifty.statements).toBe(13);
  });
});
