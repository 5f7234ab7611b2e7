// A CLOSED or CANCELLED incident takes no more status updates (they would reach clients), role
// changes or escalations (they would page people); notes and action items stay allowed, for the
// postmortem. A refusal names the stage and changes nothing.
import {
  ADD_NOTE,
  ASSIGN_ROLE,
  CHANGE_STAGE,
  CREATE_ACTION_ITEM,
  ESCALATE,
  HAND_OVER_ROLE,
  POST_STATUS_UPDATE,
  RELIEVE_ROLE,
} from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

async function endedIncident(path: string[]) {
  const incident = await declare(t);
  await t.ok(ASSIGN_ROLE, {
    input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
  });
  for (const stage of path) await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
  return incident;
}

const update = (incidentKey: string) => ({
  incidentKey,
  audience: 'EXTERNAL',
  clientImpact: 'none',
  knownProblem: 'none',
  attempted: 'none',
  nextSteps: 'none',
});

describe.each([
  ['CLOSED', ['MITIGATED', 'POSTMORTEM', 'CLOSED']],
  ['CANCELLED', ['CANCELLED']],
])('a %s incident', (stage, path) => {
  it('refuses status updates, role changes and escalations, naming the stage, and records nothing', async () => {
    const incident = await endedIncident(path);
    const before = await timelineRows(t, incident.id);
    const refused = [
      [POST_STATUS_UPDATE, { input: update(incident.key) }, 'postStatusUpdate'],
      [
        ESCALATE,
        { input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason: 'more hands' } },
        'escalate',
      ],
      [
        ASSIGN_ROLE,
        { input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: t.people.expert.id } },
        'assignRole',
      ],
      [
        RELIEVE_ROLE,
        { input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER' } },
        'relieveRole',
      ],
      [
        HAND_OVER_ROLE,
        {
          input: {
            incidentKey: incident.key,
            role: 'SOFTWARE_INCIDENT_MANAGER',
            toPersonId: t.people.admin.id,
          },
        },
        'handOverRole',
      ],
    ] as const;
    for (const [document, variables, operation] of refused) {
      const res = await t.gql(document, variables);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toContain(`is ${stage}`);
      expect(res.body.errors![0].extensions).toMatchObject({
        code: 'INCIDENT_ENDED',
        stage,
        operation,
        incidentKey: incident.key,
      });
    }
    expect(await timelineRows(t, incident.id)).toEqual(before);
    const [{ n }] = (await t.database.dataSource.query(
      'SELECT count(*)::int AS n FROM status_update WHERE incident_id = $1',
      [incident.id],
    )) as { n: number }[];
    expect(n).toBe(0);
  });

  it('still takes notes and action items, for the postmortem', async () => {
    const incident = await endedIncident(path);
    await t.ok(ADD_NOTE, { input: { incidentKey: incident.key, text: 'found the flag afterwards' } });
    await t.ok(CREATE_ACTION_ITEM, {
      input: {
        incidentKey: incident.key,
        title: 'Guard the flag',
        kind: 'PREVENTION',
        ownerId: t.people.responder.id,
        dueDate: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    const kinds = (await timelineRows(t, incident.id)).map((r) => r.kind);
    expect(kinds.slice(-2)).toEqual(['NOTE', 'ACTION_ITEM']);
  });
});
