import { ASSIGN_ROLE, HAND_OVER_ROLE, INCIDENT_ROLES, RELIEVE_ROLE } from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

interface Assignment {
  id: string;
  role: string;
  title: string | null;
  person: { id: string };
  assignedAt: string;
  relievedAt: string | null;
  assignedBy: { id: string } | null;
}

interface Roles {
  incidentManager: { id: string } | null;
  active: Assignment[];
  history: Assignment[];
}

async function rolesOf(key: string): Promise<Roles> {
  const data = await t.ok<{ incident: Roles }>(INCIDENT_ROLES, { key });
  return data.incident;
}

async function assignmentRows(
  incidentId: string,
): Promise<{ id: string; role: string; person_id: string }[]> {
  return t.database.dataSource.query(
    'SELECT id, role, person_id FROM role_assignment WHERE incident_id = $1 ORDER BY assigned_at, id',
    [incidentId],
  );
}

describe('assignRole', () => {
  it('puts a person in a role and writes a ROLE_ASSIGNED entry with the actor', async () => {
    const incident = await declare(t);
    const data = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.expert.id },
    });
    expect(data.assignRole).toMatchObject({
      role: 'SOFTWARE_INCIDENT_MANAGER',
      title: null,
      person: { id: t.people.expert.id },
      relievedAt: null,
      assignedBy: { id: t.people.manager.id },
    });
    expect(Date.parse(data.assignRole.assignedAt)).not.toBeNaN();

    const roles = await rolesOf(incident.key);
    expect(roles.active.map((a) => a.id)).toEqual([data.assignRole.id]);
    expect(roles.incidentManager).toEqual({ id: t.people.expert.id });

    const rows = await timelineRows(t, incident.id);
    const assigned = rows.filter((r) => r.kind === 'ROLE_ASSIGNED');
    expect(assigned).toHaveLength(1);
    expect(assigned[0]).toMatchObject({ actor_id: t.people.manager.id });
    expect(assigned[0].data).toMatchObject({
      assignmentId: data.assignRole.id,
      role: 'SOFTWARE_INCIDENT_MANAGER',
      personId: t.people.expert.id,
      handover: false,
    });
    expect(assigned[0].text).toContain(t.people.expert.name);
  });

  it.each(['SOFTWARE_INCIDENT_MANAGER', 'HARDWARE_INCIDENT_MANAGER', 'BACKUP_INCIDENT_MANAGER'])(
    'allows one active %s: a second assignment gets CONFLICT and changes nothing',
    async (role) => {
      const incident = await declare(t);
      const first = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
        input: { incidentKey: incident.key, role, personId: t.people.manager.id },
      });
      const rowsBefore = await assignmentRows(incident.id);
      const timelineBefore = await timelineRows(t, incident.id);

      const second = await t.gql(ASSIGN_ROLE, {
        input: { incidentKey: incident.key, role, personId: t.people.expert.id },
      });
      expect(second.body.data).toBeNull();
      expect(second.body.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        role,
        holderId: t.people.manager.id,
      });

      expect(await assignmentRows(incident.id)).toEqual(rowsBefore);
      expect(await timelineRows(t, incident.id)).toEqual(timelineBefore);
      const roles = await rolesOf(incident.key);
      expect(roles.active.map((a) => [a.id, a.person.id])).toEqual([
        [first.assignRole.id, t.people.manager.id],
      ]);
    },
  );

  it('lets several DOMAIN_EXPERTs be active at once', async () => {
    const incident = await declare(t);
    for (const person of [t.people.expert, t.people.responder, t.people.viewer]) {
      await t.ok(ASSIGN_ROLE, {
        input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: person.id },
      });
    }
    const roles = await rolesOf(incident.key);
    const experts = roles.active.filter((a) => a.role === 'DOMAIN_EXPERT');
    expect(experts.map((a) => a.person.id).sort()).toEqual(
      [t.people.expert.id, t.people.responder.id, t.people.viewer.id].sort(),
    );
    expect(experts.every((a) => a.relievedAt === null)).toBe(true);
    expect(roles.incidentManager).toBeNull();
    const rows = await timelineRows(t, incident.id);
    expect(rows.filter((r) => r.kind === 'ROLE_ASSIGNED')).toHaveLength(3);
  });

  it('refuses a CUSTOM role without a title (BAD_USER_INPUT naming title) and keeps the title given', async () => {
    const incident = await declare(t);
    const untitled = await t.gql(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'CUSTOM', personId: t.people.expert.id },
    });
    expect(untitled.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(await assignmentRows(incident.id)).toEqual([]);
    expect((await timelineRows(t, incident.id)).map((r) => r.kind)).toEqual(['DECLARED']);

    const titled = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
      input: {
        incidentKey: incident.key,
        role: 'CUSTOM',
        personId: t.people.expert.id,
        title: 'External communications',
      },
    });
    expect(titled.assignRole).toMatchObject({ role: 'CUSTOM', title: 'External communications' });
    const roles = await rolesOf(incident.key);
    expect(roles.active).toEqual([titled.assignRole]);
    const entry = (await timelineRows(t, incident.id)).find((r) => r.kind === 'ROLE_ASSIGNED');
    expect(entry?.data).toMatchObject({ role: 'CUSTOM', title: 'External communications' });
  });

  it('is refused to a RESPONDER token with FORBIDDEN', async () => {
    const incident = await declare(t);
    const res = await t.gql(
      ASSIGN_ROLE,
      { input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: t.people.responder.id } },
      { token: t.tokens.responder },
    );
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await assignmentRows(incident.id)).toEqual([]);
  });

  it('gives exactly one of two concurrent SOFTWARE_INCIDENT_MANAGER assignments, the other gets CONFLICT', async () => {
    // several incidents raced at once, so that the two calls overlap in the database at least once
    const incidents = await Promise.all([1, 2, 3, 4].map(() => declare(t)));
    const candidates = [t.people.expert.id, t.people.responder.id];
    const races = await Promise.all(
      incidents.map((incident) =>
        Promise.all(
          candidates.map((personId) =>
            t.gql<{ assignRole: Assignment }>(ASSIGN_ROLE, {
              input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId },
            }),
          ),
        ),
      ),
    );
    for (const [i, results] of races.entries()) {
      const incident = incidents[i];
      const winners = results.filter((r) => !r.body.errors && r.body.data?.assignRole);
      const losers = results.filter((r) => r.body.errors);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0].body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT' });

      const winner = winners[0].body.data!.assignRole;
      const rows = await assignmentRows(incident.id);
      expect(rows).toEqual([
        { id: winner.id, role: 'SOFTWARE_INCIDENT_MANAGER', person_id: winner.person.id },
      ]);
      const roles = await rolesOf(incident.key);
      expect(roles.active.map((a) => a.id)).toEqual([winner.id]);
      expect(roles.incidentManager).toEqual({ id: winner.person.id });
      const assigned = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'ROLE_ASSIGNED');
      expect(assigned).toHaveLength(1);
      expect(assigned[0].data).toMatchObject({ personId: winner.person.id });
    }
  });
});

describe('handOverRole', () => {
  it('relieves the current holder and assigns the next in one step; history and incidentManager follow', async () => {
    const incident = await declare(t);
    const first = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    expect((await rolesOf(incident.key)).incidentManager).toEqual({ id: t.people.manager.id });

    const data = await t.ok<{ handOverRole: Assignment }>(HAND_OVER_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', toPersonId: t.people.expert.id },
    });
    expect(data.handOverRole).toMatchObject({
      role: 'SOFTWARE_INCIDENT_MANAGER',
      person: { id: t.people.expert.id },
      relievedAt: null,
      assignedBy: { id: t.people.manager.id },
    });
    expect(data.handOverRole.id).not.toBe(first.assignRole.id);

    const roles = await rolesOf(incident.key);
    expect(roles.incidentManager).toEqual({ id: t.people.expert.id });
    expect(roles.active.map((a) => a.id)).toEqual([data.handOverRole.id]);
    expect(roles.history).toHaveLength(2);
    const old = roles.history.find((a) => a.id === first.assignRole.id)!;
    const current = roles.history.find((a) => a.id === data.handOverRole.id)!;
    expect(old.person.id).toBe(t.people.manager.id);
    expect(old.relievedAt).not.toBeNull();
    expect(current.relievedAt).toBeNull();
    // one step: the old holder leaves exactly when the new one arrives
    expect(Date.parse(old.relievedAt!)).toBe(Date.parse(current.assignedAt));

    const rows = (await timelineRows(t, incident.id)).filter((r) =>
      ['ROLE_ASSIGNED', 'ROLE_RELIEVED'].includes(r.kind),
    );
    expect(rows.map((r) => r.kind)).toEqual(['ROLE_ASSIGNED', 'ROLE_RELIEVED', 'ROLE_ASSIGNED']);
    expect(rows[1]).toMatchObject({ actor_id: t.people.manager.id });
    expect(rows[1].data).toMatchObject({
      assignmentId: first.assignRole.id,
      personId: t.people.manager.id,
      handover: true,
    });
    expect(rows[2]).toMatchObject({ actor_id: t.people.manager.id });
    expect(rows[2].data).toMatchObject({
      assignmentId: data.handOverRole.id,
      personId: t.people.expert.id,
      handover: true,
    });
  });

  it('refuses a handover to the current holder and changes nothing', async () => {
    const incident = await declare(t);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'HARDWARE_INCIDENT_MANAGER', personId: t.people.expert.id },
    });
    const before = await assignmentRows(incident.id);
    const res = await t.gql(HAND_OVER_ROLE, {
      input: { incidentKey: incident.key, role: 'HARDWARE_INCIDENT_MANAGER', toPersonId: t.people.expert.id },
    });
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'toPersonId' });
    expect(await assignmentRows(incident.id)).toEqual(before);
    const roles = await rolesOf(incident.key);
    expect(roles.history.every((a) => a.relievedAt === null)).toBe(true);
  });
});

describe('relieveRole', () => {
  it('sets relievedAt, keeps the assignment as history and writes ROLE_RELIEVED', async () => {
    const incident = await declare(t);
    const assigned = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.expert.id },
    });
    const data = await t.ok<{ relieveRole: Assignment }>(RELIEVE_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER' },
    });
    expect(data.relieveRole).toMatchObject({
      id: assigned.assignRole.id,
      person: { id: t.people.expert.id },
    });
    expect(data.relieveRole.relievedAt).not.toBeNull();
    expect(Date.parse(data.relieveRole.relievedAt!)).toBeGreaterThanOrEqual(
      Date.parse(assigned.assignRole.assignedAt),
    );

    const roles = await rolesOf(incident.key);
    expect(roles.active).toEqual([]);
    expect(roles.incidentManager).toBeNull();
    expect(roles.history).toHaveLength(1);
    expect(roles.history[0]).toMatchObject({
      id: assigned.assignRole.id,
      relievedAt: data.relieveRole.relievedAt,
    });

    const relieved = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'ROLE_RELIEVED');
    expect(relieved).toHaveLength(1);
    expect(relieved[0]).toMatchObject({ actor_id: t.people.manager.id });
    expect(relieved[0].data).toMatchObject({
      assignmentId: assigned.assignRole.id,
      role: 'SOFTWARE_INCIDENT_MANAGER',
      personId: t.people.expert.id,
      handover: false,
    });

    // the role is free again
    const next = await t.ok<{ assignRole: Assignment }>(ASSIGN_ROLE, {
      input: {
        incidentKey: incident.key,
        role: 'SOFTWARE_INCIDENT_MANAGER',
        personId: t.people.responder.id,
      },
    });
    expect((await rolesOf(incident.key)).active.map((a) => a.id)).toEqual([next.assignRole.id]);
  });

  it('relieves the named person when several hold the role', async () => {
    const incident = await declare(t);
    for (const person of [t.people.expert, t.people.responder]) {
      await t.ok(ASSIGN_ROLE, {
        input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: person.id },
      });
    }
    const unnamed = await t.gql(RELIEVE_ROLE, {
      input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT' },
    });
    expect(unnamed.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'personId' });

    await t.ok(RELIEVE_ROLE, {
      input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: t.people.responder.id },
    });
    const roles = await rolesOf(incident.key);
    expect(roles.active.map((a) => a.person.id)).toEqual([t.people.expert.id]);
  });

  it('answers NOT_FOUND for a role nobody holds and writes nothing', async () => {
    const incident = await declare(t);
    const res = await t.gql(RELIEVE_ROLE, {
      input: { incidentKey: incident.key, role: 'BACKUP_INCIDENT_MANAGER' },
    });
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      role: 'BACKUP_INCIDENT_MANAGER',
    });
    expect((await timelineRows(t, incident.id)).map((r) => r.kind)).toEqual(['DECLARED']);
    expect(await assignmentRows(incident.id)).toEqual([]);
  });
});
