// An EXTERNAL status update reaches clients (their tickets, channels, lists), so like
// sendCommunication it must name no client or site other than the one affected client's own;
// INTERNAL updates may name anyone. A refusal names the field and changes nothing.
import { POST_STATUS_UPDATE } from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const update = (incidentKey: string, audience: string, over: Record<string, string> = {}) => ({
  input: {
    incidentKey,
    audience,
    clientImpact: 'Orders are delayed',
    knownProblem: 'A stuck consumer',
    attempted: 'Restarted it',
    nextSteps: 'Watch the backlog',
    ...over,
  },
});

describe('EXTERNAL status updates name no other client', () => {
  it('refuses one naming another client or its site, naming the field, and records nothing', async () => {
    const incident = await declare(t);
    const before = await timelineRows(t, incident.id);
    for (const [field, text] of [
      ['clientImpact', 'Wakefern orders are delayed too'],
      ['nextSteps', 'Check wf0001 next'],
    ]) {
      const res = await t.gql(POST_STATUS_UPDATE, update(incident.key, 'EXTERNAL', { [field]: text }));
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0].message).toContain(field);
    }
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });

  it("accepts the client's own names, and any name in an INTERNAL update", async () => {
    const incident = await declare(t);
    await t.ok(
      POST_STATUS_UPDATE,
      update(incident.key, 'EXTERNAL', { clientImpact: 'Albertsons ab0001 is slow' }),
    );
    await t.ok(POST_STATUS_UPDATE, update(incident.key, 'INTERNAL', { clientImpact: 'Wakefern is fine' }));
  });

  it('refuses, on an incident affecting two clients, an EXTERNAL update naming either', async () => {
    const incident = await declare(t, { affectedClientSlugs: ['albertsons', 'wakefern'] });
    const res = await t.gql(
      POST_STATUS_UPDATE,
      update(incident.key, 'EXTERNAL', { clientImpact: 'Albertsons orders are delayed' }),
    );
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await t.ok(POST_STATUS_UPDATE, update(incident.key, 'EXTERNAL'));
  });
});
