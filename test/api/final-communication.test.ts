import {
  ASSIGN_ROLE,
  CHANGE_STAGE,
  HAND_OVER_ROLE,
  INCIDENT_FINAL_COMMUNICATION,
  INCIDENTS_SUPPORT_TICKETS,
} from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

interface Draft {
  id: string;
  kind: string;
  text: string;
  occurredAt: string;
  actor: { name: string } | null;
  data: {
    draft: string;
    internal: string;
    external: string;
    supportTicketCount: number;
    durationSeconds: number;
    revision: number;
    supersedes: string | null;
  };
}

interface Final {
  stage: string;
  impactStartedAt: string;
  mitigatedAt: string | null;
  timeToRecoverSeconds: number | null;
  supportTicketCount: number;
  supportTickets: { ticketId: string; subject: string; status: string; origin: boolean; linkedAt: string }[];
  communications: { totalCount: number; nodes: Draft[] };
  stageChanges: { nodes: { occurredAt: string; actor: { name: string } | null }[] };
}

async function finalOf(key: string): Promise<Final> {
  return (await t.ok<{ incident: Final }>(INCIDENT_FINAL_COMMUNICATION, { key })).incident;
}

async function moveTo(incidentKey: string, stages: string[]) {
  for (const stage of stages) {
    const data = await t.ok<{ changeStage: { stage: string } }>(CHANGE_STAGE, {
      input: { incidentKey, stage },
    });
    expect(data.changeStage.stage).toBe(stage);
  }
}

let ticketNumber = 70_000;
/** Link support tickets the way the Zendesk webhook will: rows of support_ticket. */
async function linkTickets(
  incidentId: string,
  tickets: { subject: string; status?: string; origin?: boolean; linkedAt?: string }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const ticket of tickets) {
    ticketNumber += 1;
    ids.push(String(ticketNumber));
    await t.database.dataSource.query(
      `INSERT INTO support_ticket (incident_id, ticket_id, subject, status, origin, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        incidentId,
        String(ticketNumber),
        ticket.subject,
        ticket.status ?? 'open',
        ticket.origin ?? false,
        ticket.linkedAt ?? new Date().toISOString(),
      ],
    );
  }
  return ids;
}

const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 1000);

describe('final communication on MITIGATED', () => {
  it('drafts the internal and external communications with support cases, duration and roles', async () => {
    const incident = await declare(t, {
      summary: 'Orders not reaching the MFC',
      clientImpact: 'No orders picked at Clifton and Dallas',
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'CRITICAL',
      affectedClientSlugs: ['albertsons'],
      affectedSiteIds: ['wf0001', 'ab0001'],
      faultyServiceId: t.catalogue.orderSync.id,
      impactStartedAt: ago(135 * MINUTE),
      detectedAt: ago(125 * MINUTE),
    });
    const other = await declare(t);
    const roles = [
      { role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
      { role: 'DOMAIN_EXPERT', personId: t.people.expert.id },
      { role: 'CUSTOM', title: 'External communications', personId: t.people.admin.id },
    ];
    for (const role of roles) await t.ok(ASSIGN_ROLE, { input: { incidentKey: incident.key, ...role } });
    await t.ok(HAND_OVER_ROLE, {
      input: {
        incidentKey: incident.key,
        role: 'SOFTWARE_INCIDENT_MANAGER',
        toPersonId: t.people.responder.id,
      },
    });
    const ticketIds = await linkTickets(incident.id, [
      { subject: 'Orders stuck', origin: true, linkedAt: ago(120 * MINUTE) },
      { subject: 'Dallas cannot pick', linkedAt: ago(90 * MINUTE) },
      { subject: 'Clifton cannot pick', status: 'pending', linkedAt: ago(60 * MINUTE) },
    ]);
    await linkTickets(other.id, [{ subject: 'Unrelated' }]);

    // no draft before mitigation
    await moveTo(incident.key, ['INVESTIGATING', 'IDENTIFIED']);
    expect((await finalOf(incident.key)).communications.totalCount).toBe(0);

    await moveTo(incident.key, ['MITIGATED']);
    const final = await finalOf(incident.key);
    expect(final.stage).toBe('MITIGATED');
    expect(final.supportTicketCount).toBe(3);
    expect(final.supportTickets.map((s) => [s.ticketId, s.subject, s.status, s.origin])).toEqual([
      [ticketIds[0], 'Orders stuck', 'open', true],
      [ticketIds[1], 'Dallas cannot pick', 'open', false],
      [ticketIds[2], 'Clifton cannot pick', 'pending', false],
    ]);

    expect(final.communications.totalCount).toBe(1);
    const [draft] = final.communications.nodes;
    expect(draft.kind).toBe('COMMUNICATION');
    expect(draft.text).toBe('Final communication drafted (3 support cases)');
    // drafted by the hub, in the same transaction (same clock) as the move to MITIGATED
    expect(draft.actor).toBeNull();
    expect(draft.occurredAt).toBe(final.mitigatedAt);
    expect(final.stageChanges.nodes[0]).toEqual({
      occurredAt: final.mitigatedAt,
      actor: { name: t.people.manager.name },
    });

    const duration = seconds(final.impactStartedAt, final.mitigatedAt!);
    expect(draft.data).toMatchObject({
      draft: 'final',
      supportTicketCount: 3,
      durationSeconds: duration,
      revision: 1,
      supersedes: null,
    });
    expect(draft.data.durationSeconds).toBe(final.timeToRecoverSeconds);
    // 2 h 15 min, give or take the seconds the test took
    expect(Math.abs(duration - 135 * 60)).toBeLessThan(30);

    const internal = draft.data.internal.split('\n');
    expect(internal[0]).toBe(`Resolved: ${incident.key} - Orders not reaching the MFC`);
    expect(internal).toEqual(
      expect.arrayContaining([
        'Priority: P1',
        'Affected clients: Albertsons, Wakefern',
        'Affected sites: ab0001 (dallas-tx), wf0001 (clifton-nj)',
        'Faulty service: Order Sync',
        'Client impact: No orders picked at Clifton and Dallas (Extensive)',
        'Time to detect: 10 min',
        'Time to recover: 2 h 15 min',
        'Support cases raised: 3',
        `- Software incident manager: ${t.people.responder.name} (earlier: ${t.people.manager.name})`,
        `- Domain expert: ${t.people.expert.name}`,
        `- External communications: ${t.people.admin.name}`,
      ]),
    );
    expect(internal.find((l) => l.startsWith('Duration: '))).toMatch(
      /^Duration: 2 h 15 min \(\d{4}-\d\d-\d\d \d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
    );
    expect(draft.data.internal).toContain('there will be no further updates');
    expect(draft.data.internal).toContain('postmortem will follow');

    const external = draft.data.external;
    expect(external.startsWith('Service restored\n')).toBe(true);
    expect(external).toContain('\nImpact: No orders picked at Clifton and Dallas\n');
    expect(external).toContain('\nDuration: 2 h 15 min (');
    expect(external).toContain('We will follow up with a postmortem');
    expect(external).not.toMatch(/Albertsons|Wakefern|incident-\d|P1|Person/);

    // the vendors ignore the new event: nothing was planned from the draft's entry
    const [planned] = await t.database.dataSource.query(
      `SELECT count(*)::int AS n FROM integration_effect WHERE dedupe_key LIKE '%' || $1 || '%'`,
      [draft.id],
    );
    expect(planned.n).toBe(0);

    const untouched = await finalOf(other.key);
    expect(untouched.supportTicketCount).toBe(1);
    expect(untouched.communications.totalCount).toBe(0);
  });

  it('says "1 support case", and 0 with no tickets', async () => {
    const one = await declare(t);
    await linkTickets(one.id, [{ subject: 'Only one' }]);
    const none = await declare(t);
    for (const incident of [one, none])
      await moveTo(incident.key, ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']);
    const [oneDraft] = (await finalOf(one.key)).communications.nodes;
    expect(oneDraft.text).toBe('Final communication drafted (1 support case)');
    expect(oneDraft.data.internal).toContain('\nSupport cases raised: 1\n');
    const noneFinal = await finalOf(none.key);
    expect(noneFinal.supportTicketCount).toBe(0);
    expect(noneFinal.supportTickets).toEqual([]);
    const [noneDraft] = noneFinal.communications.nodes;
    expect(noneDraft.text).toBe('Final communication drafted (0 support cases)');
    expect(noneDraft.data).toMatchObject({ supportTicketCount: 0 });
    expect(noneDraft.data.internal).toContain('\nRoles:\n- none assigned\n');
  });

  it('drafts nothing for a cancelled incident: no "resolved" notice, no postmortem announced', async () => {
    const incident = await declare(t);
    await moveTo(incident.key, ['INVESTIGATING', 'CANCELLED']);
    const final = await finalOf(incident.key);
    expect(final.stage).toBe('CANCELLED');
    expect(final.communications).toEqual({ totalCount: 0, nodes: [] });
  });

  it('drafts again when MITIGATED is reached again, superseding the earlier draft', async () => {
    const incident = await declare(t, { impactStartedAt: ago(30 * MINUTE) });
    await linkTickets(incident.id, [{ subject: 'First' }]);
    await moveTo(incident.key, ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']);
    const [first] = (await finalOf(incident.key)).communications.nodes;

    // impact came back; another client raised a ticket meanwhile
    await moveTo(incident.key, ['INVESTIGATING']);
    await linkTickets(incident.id, [{ subject: 'Second' }]);
    await moveTo(incident.key, ['IDENTIFIED', 'MITIGATED']);

    const final = await finalOf(incident.key);
    expect(final.communications.totalCount).toBe(2);
    const [again, second] = final.communications.nodes;
    expect(again.id).toBe(first.id);
    expect(second.text).toBe('Final communication drafted (2 support cases), replacing the earlier draft');
    expect(second.data).toMatchObject({
      draft: 'final',
      supportTicketCount: 2,
      revision: 2,
      supersedes: first.id,
      durationSeconds: seconds(final.impactStartedAt, final.mitigatedAt!),
    });
    expect(second.data.durationSeconds).toBeGreaterThanOrEqual(first.data.durationSeconds);
    expect(second.data.internal).toContain('\nSupport cases raised: 2\n');

    // going on to POSTMORTEM and CLOSED drafts nothing more
    await moveTo(incident.key, ['POSTMORTEM', 'CLOSED']);
    expect((await finalOf(incident.key)).communications.totalCount).toBe(2);
  });

  it('reads support tickets with one statement per field, whatever the page size', async () => {
    const marker = `n1-${Date.now()}`;
    for (let i = 0; i < 6; i++) {
      const incident = await declare(t, { summary: `${marker} incident ${i}` });
      await linkTickets(
        incident.id,
        Array.from({ length: i % 3 }, (_, n) => ({ subject: `ticket ${n}` })),
      );
    }
    type Page = {
      incidents: { nodes: { summary: string; supportTicketCount: number; supportTickets: unknown[] }[] };
    };
    const measure = async (first: number) => {
      await t.ok(INCIDENTS_SUPPORT_TICKETS, { first, text: marker });
      return t.database.queries.measure(() => t.ok<Page>(INCIDENTS_SUPPORT_TICKETS, { first, text: marker }));
    };
    const two = await measure(2);
    const six = await measure(6);
    expect(six.result.incidents.nodes).toHaveLength(6);
    for (const node of six.result.incidents.nodes) {
      const i = Number(node.summary.split(' ').at(-1));
      expect(node.supportTicketCount).toBe(i % 3);
      expect(node.supportTickets).toHaveLength(i % 3);
    }
    expect(six.statements).toBe(two.statements);
    expect(six.sql.filter((q) => /FROM "support_ticket"/.test(q))).toHaveLength(2);
  });
});
