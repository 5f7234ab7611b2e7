// Incident roles grant access on their incident: any active role there grants RESPONDER (notes,
// status updates, action items) and lets its holder escalate; an incident-manager role grants
// INCIDENT_MANAGER there. Elsewhere the person's own access role holds, a token narrowed below its
// person keeps its cap, and the grant ends when the role is relieved or handed over.
import {
  ADD_NOTE,
  ASSIGN_ROLE,
  CHANGE_STAGE,
  CREATE_ACTION_ITEM,
  CREATE_API_TOKEN,
  DECLARE_INCIDENT,
  ESCALATE,
  HAND_OVER_ROLE,
  POST_STATUS_UPDATE,
  RELIEVE_ROLE,
  UPDATE_ACTION_ITEM,
} from '../support/operations';
import { declaration, declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const statusUpdate = (incidentKey: string) => ({
  input: {
    incidentKey,
    audience: 'EXTERNAL',
    clientImpact: 'Orders are delayed at Dallas',
    knownProblem: 'Order Sync is behind',
    attempted: 'Restarted the consumer',
    nextSteps: 'Next update in 30 minutes',
  },
});

const escalation = (incidentKey: string) => ({
  input: { incidentKey, teamId: t.catalogue.team.id, reason: 'need the queue owners' },
});

async function assign(incidentKey: string, role: string, personId: string, title?: string): Promise<void> {
  await t.ok(ASSIGN_ROLE, { input: { incidentKey, role, personId, ...(title ? { title } : {}) } });
}

async function statusUpdateCount(incidentId: string): Promise<number> {
  const [row] = await t.database.dataSource.query(
    'SELECT count(*)::int AS n FROM status_update WHERE incident_id = $1',
    [incidentId],
  );
  return (row as { n: number }).n;
}

type Extensions = Record<string, unknown> | undefined;
const refusal = (res: { body: { errors?: { message: string; extensions?: Extensions }[] } }) => ({
  message: res.body.errors?.[0]?.message ?? '',
  extensions: res.body.errors?.[0]?.extensions,
});

describe('an active role on an incident grants RESPONDER there', () => {
  it('lets a VIEWER in a custom "External communications" role post status updates, notes and action items on that incident only, until relieved', async () => {
    const incident = await declare(t);
    const other = await declare(t);
    const token = t.tokens.viewer;
    await assign(incident.key, 'CUSTOM', t.people.viewer.id, 'External communications');

    const posted = await t.gql(POST_STATUS_UPDATE, statusUpdate(incident.key), { token });
    expect(posted.body.errors).toBeUndefined();
    expect(posted.body.data?.postStatusUpdate).toMatchObject({
      audience: 'EXTERNAL',
      author: { id: t.people.viewer.id },
    });
    const note = await t.gql(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'Drafting the update' } },
      { token },
    );
    expect(note.body.errors).toBeUndefined();
    const item = await t.gql(
      CREATE_ACTION_ITEM,
      {
        input: {
          incidentKey: incident.key,
          title: 'Send the follow-up',
          kind: 'CLEANUP',
          ownerId: t.people.viewer.id,
          dueDate: '2030-01-15T17:00:00.000Z',
        },
      },
      { token },
    );
    expect(item.body.errors).toBeUndefined();
    const itemId = item.body.data!.createActionItem.id;
    const done = await t.gql(UPDATE_ACTION_ITEM, { input: { id: itemId, status: 'DONE' } }, { token });
    expect(done.body.errors).toBeUndefined();

    // another incident: the person's own VIEWER role holds
    const elsewhere = await t.gql(POST_STATUS_UPDATE, statusUpdate(other.key), { token });
    expect(refusal(elsewhere).extensions).toMatchObject({
      code: 'FORBIDDEN',
      action: 'postStatusUpdate',
      requiredRole: 'RESPONDER',
      grantedRole: 'VIEWER',
      incidentKey: other.key,
      incidentGrant: null,
    });
    expect(refusal(elsewhere).message).toBe(
      `postStatusUpdate requires the RESPONDER access role on ${other.key}; this credential has VIEWER ` +
        `and holds no role on ${other.key} (any role on ${other.key} would allow it)`,
    );
    expect(await statusUpdateCount(other.id)).toBe(0);

    // relieved: the grant ends
    await t.ok(RELIEVE_ROLE, {
      input: { incidentKey: incident.key, role: 'CUSTOM', personId: t.people.viewer.id },
    });
    const after = await t.gql(POST_STATUS_UPDATE, statusUpdate(incident.key), { token });
    expect(refusal(after).extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
    const itemAfter = await t.gql(UPDATE_ACTION_ITEM, { input: { id: itemId, status: 'OPEN' } }, { token });
    expect(refusal(itemAfter).extensions).toMatchObject({ code: 'FORBIDDEN', action: 'updateActionItem' });
    expect(await statusUpdateCount(incident.id)).toBe(1);
  });

  it('lets a VIEWER in the support team escalate, but not run the incident, until the role is handed over', async () => {
    const incident = await declare(t);
    const token = t.tokens.viewer;
    await assign(incident.key, 'SUPPORT_TEAM', t.people.viewer.id);

    const paged = await t.gql(ESCALATE, escalation(incident.key), { token });
    expect(paged.body.errors).toBeUndefined();
    expect(paged.body.data?.escalate).toMatchObject({
      kind: 'ESCALATION',
      actor: { name: t.people.viewer.name },
    });

    const stage = await t.gql(
      CHANGE_STAGE,
      { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } },
      { token },
    );
    expect(refusal(stage).extensions).toMatchObject({
      code: 'FORBIDDEN',
      action: 'changeStage',
      requiredRole: 'INCIDENT_MANAGER',
      grantedRole: 'RESPONDER',
      incidentGrant: 'RESPONDER',
    });
    expect(refusal(stage).message).toContain(`its role on ${incident.key} (Support team) grants RESPONDER`);

    await t.ok(HAND_OVER_ROLE, {
      input: { incidentKey: incident.key, role: 'SUPPORT_TEAM', toPersonId: t.people.expert.id },
    });
    const again = await t.gql(ESCALATE, escalation(incident.key), { token });
    expect(refusal(again).extensions).toMatchObject({
      code: 'FORBIDDEN',
      action: 'escalate',
      requiredRole: 'INCIDENT_MANAGER',
      incidentGrant: null,
    });
    expect(refusal(again).message).toContain(`any role on ${incident.key} would allow it`);
    const kinds = (await timelineRows(t, incident.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'ESCALATION')).toHaveLength(1);
  });

  it('lets a RESPONDER escalate only where they hold a role', async () => {
    const incident = await declare(t);
    const token = t.tokens.responder;
    const without = await t.gql(ESCALATE, escalation(incident.key), { token });
    expect(refusal(without).extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredRole: 'INCIDENT_MANAGER',
    });
    await assign(incident.key, 'DOMAIN_EXPERT', t.people.responder.id);
    const withRole = await t.gql(ESCALATE, escalation(incident.key), { token });
    expect(withRole.body.errors).toBeUndefined();
  });

  it('keeps refusing a VIEWER without a role', async () => {
    const incident = await declare(t);
    await assign(incident.key, 'SUPPORT_TEAM', t.people.expert.id);
    const token = t.tokens.viewer;
    for (const res of [
      await t.gql(POST_STATUS_UPDATE, statusUpdate(incident.key), { token }),
      await t.gql(ADD_NOTE, { input: { incidentKey: incident.key, text: 'hi' } }, { token }),
      await t.gql(ESCALATE, escalation(incident.key), { token }),
    ]) {
      expect(refusal(res).extensions).toMatchObject({
        code: 'FORBIDDEN',
        grantedRole: 'VIEWER',
        incidentGrant: null,
      });
    }
    expect(await statusUpdateCount(incident.id)).toBe(0);
  });
});

describe('an incident-manager role grants INCIDENT_MANAGER there', () => {
  it('lets a VIEWER who is software incident manager move stages and assign roles on that incident only, until handed over', async () => {
    const incident = await declare(t);
    const other = await declare(t);
    const token = t.tokens.viewer;
    await assign(incident.key, 'SOFTWARE_INCIDENT_MANAGER', t.people.viewer.id);

    const moved = await t.gql(
      CHANGE_STAGE,
      { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } },
      { token },
    );
    expect(moved.body.errors).toBeUndefined();
    expect(moved.body.data?.changeStage).toMatchObject({ stage: 'INVESTIGATING' });
    const assigned = await t.gql(
      ASSIGN_ROLE,
      { input: { incidentKey: incident.key, role: 'DOMAIN_EXPERT', personId: t.people.expert.id } },
      { token },
    );
    expect(assigned.body.errors).toBeUndefined();
    const paged = await t.gql(ESCALATE, escalation(incident.key), { token });
    expect(paged.body.errors).toBeUndefined();

    // the person's own role caps everything else: another incident, declaring
    const elsewhere = await t.gql(
      CHANGE_STAGE,
      { input: { incidentKey: other.key, stage: 'INVESTIGATING' } },
      { token },
    );
    expect(refusal(elsewhere).extensions).toMatchObject({ code: 'FORBIDDEN', incidentKey: other.key });
    expect(refusal(elsewhere).message).toContain(
      `an incident-manager role on ${other.key} grants INCIDENT_MANAGER there`,
    );
    const declared = await t.gql(DECLARE_INCIDENT, { input: declaration() }, { token });
    expect(refusal(declared).extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredRole: 'INCIDENT_MANAGER',
    });

    await t.ok(HAND_OVER_ROLE, {
      input: {
        incidentKey: incident.key,
        role: 'SOFTWARE_INCIDENT_MANAGER',
        toPersonId: t.people.manager.id,
      },
    });
    const after = await t.gql(
      CHANGE_STAGE,
      { input: { incidentKey: incident.key, stage: 'IDENTIFIED' } },
      { token },
    );
    expect(refusal(after).extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
  });

  it('gives a backup incident manager RESPONDER only (not one of the incident-manager roles)', async () => {
    const incident = await declare(t);
    const token = t.tokens.viewer;
    await assign(incident.key, 'BACKUP_INCIDENT_MANAGER', t.people.viewer.id);
    const note = await t.gql(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'standing by' } },
      { token },
    );
    expect(note.body.errors).toBeUndefined();
    const stage = await t.gql(
      CHANGE_STAGE,
      { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } },
      { token },
    );
    expect(refusal(stage).extensions).toMatchObject({ code: 'FORBIDDEN', incidentGrant: 'RESPONDER' });
  });
});

describe('a token narrowed below its person', () => {
  it('keeps its cap: a VIEWER token of a role holder is refused, naming the cap', async () => {
    const incident = await declare(t);
    await assign(incident.key, 'SUPPORT_TEAM', t.people.expert.id);
    const made = await t.ok<{ createApiToken: { secret: string } }>(
      CREATE_API_TOKEN,
      { input: { personId: t.people.expert.id, name: 'wallboard', accessRole: 'VIEWER' } },
      t.tokens.admin,
    );
    const res = await t.gql(POST_STATUS_UPDATE, statusUpdate(incident.key), {
      token: made.createApiToken.secret,
    });
    expect(refusal(res).extensions).toMatchObject({
      code: 'FORBIDDEN',
      grantedRole: 'VIEWER',
      incidentGrant: 'RESPONDER',
    });
    expect(refusal(res).message).toContain('the token is limited to VIEWER');
    expect(await statusUpdateCount(incident.id)).toBe(0);
  });
});
