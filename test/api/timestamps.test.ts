import { CHANGE_STAGE, CORRECT_TIMESTAMP, INCIDENT } from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';
import { sleep } from '../support/wait-for';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

interface Times {
  key: string;
  stage: string;
  impactStartedAt: string;
  detectedAt: string;
  acknowledgedAt: string;
  identifiedAt: string | null;
  mitigatedAt: string | null;
  timeToDetectSeconds: number | null;
  timeToAcknowledgeSeconds: number | null;
  timeToRecoverSeconds: number | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** An ISO time `ms` milliseconds before now, on a whole second so stored and sent values compare exactly. */
const ago = (ms: number): string => new Date(Math.floor((Date.now() - ms) / 1000) * 1000).toISOString();
const seconds = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 1000);

async function read(key: string): Promise<Times> {
  return (await t.ok<{ incident: Times }>(INCIDENT, { key })).incident;
}

async function declareWithTimes(): Promise<Times & { id: string }> {
  return (await declare(t, { impactStartedAt: ago(2 * HOUR), detectedAt: ago(HOUR) })) as never;
}

const correction = (
  incidentKey: string,
  field: string,
  value: string,
  reason = 'Grafana shows errors earlier',
) => ({
  input: { incidentKey, field, value, reason },
});

async function corrections(incidentId: string) {
  return (await timelineRows(t, incidentId)).filter((r) => r.kind === 'TIMESTAMP_CORRECTED');
}

describe('correctTimestamp', () => {
  it('corrects IMPACT_STARTED, records who, old and new value and why, and recomputes TTD', async () => {
    const incident = await declareWithTimes();
    expect(incident.timeToDetectSeconds).toBe(seconds(incident.impactStartedAt, incident.detectedAt));
    const earlier = ago(3 * HOUR);

    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IMPACT_STARTED', earlier, 'Error rate rose at 09:00 in Grafana'),
    );
    expect(data.correctTimestamp.impactStartedAt).toBe(earlier);
    expect(data.correctTimestamp.detectedAt).toBe(incident.detectedAt);
    expect(data.correctTimestamp.timeToDetectSeconds).toBe(seconds(earlier, incident.detectedAt));

    const stored = await read(incident.key);
    expect(stored.impactStartedAt).toBe(earlier);
    expect(stored.timeToDetectSeconds).toBe(seconds(earlier, incident.detectedAt));
    expect(stored.timeToAcknowledgeSeconds).toBe(incident.timeToAcknowledgeSeconds);

    const entries = await corrections(incident.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: t.people.manager.id });
    expect(entries[0].data).toEqual({
      field: 'IMPACT_STARTED',
      from: incident.impactStartedAt,
      to: earlier,
      reason: 'Error rate rose at 09:00 in Grafana',
    });
    expect(entries[0].text).toContain('Error rate rose at 09:00 in Grafana');
  });

  it('corrects DETECTED and recomputes TTD and TTA from the corrected value', async () => {
    const incident = await declareWithTimes();
    const detected = ago(90 * MINUTE);
    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'DETECTED', detected, 'The first alert fired earlier'),
    );
    expect(data.correctTimestamp).toMatchObject({
      impactStartedAt: incident.impactStartedAt,
      detectedAt: detected,
      acknowledgedAt: incident.acknowledgedAt,
    });
    const stored = await read(incident.key);
    expect(stored.detectedAt).toBe(detected);
    expect(stored.timeToDetectSeconds).toBe(seconds(incident.impactStartedAt, detected));
    expect(stored.timeToAcknowledgeSeconds).toBe(seconds(detected, incident.acknowledgedAt));

    const entries = await corrections(incident.id);
    expect(entries.map((e) => e.data)).toEqual([
      { field: 'DETECTED', from: incident.detectedAt, to: detected, reason: 'The first alert fired earlier' },
    ]);
  });

  it('accepts a correction that makes two timestamps equal', async () => {
    const incident = await declareWithTimes();
    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IMPACT_STARTED', incident.detectedAt),
    );
    expect(data.correctTimestamp.timeToDetectSeconds).toBe(0);
    expect((await read(incident.key)).impactStartedAt).toBe(incident.detectedAt);
  });

  it.each([
    ['IMPACT_STARTED after detectedAt', 'IMPACT_STARTED', () => ago(30 * MINUTE)],
    ['DETECTED before impactStartedAt', 'DETECTED', () => ago(3 * HOUR)],
    ['DETECTED after acknowledgedAt', 'DETECTED', () => new Date().toISOString()],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_case, field, value) => {
    const incident = await declareWithTimes();
    await sleep(20); // so that "now" is strictly after acknowledgedAt
    const before = await read(incident.key);
    const res = await t.gql(CORRECT_TIMESTAMP, correction(incident.key, field, value()));
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    expect(res.body.errors?.[0].message).toMatch(/may not be earlier than/);
    expect(await read(incident.key)).toEqual(before);
    expect(await corrections(incident.id)).toEqual([]);
  });

  it('refuses a value in the future and changes nothing', async () => {
    const incident = await declare(t);
    const before = await read(incident.key);
    for (const field of ['IMPACT_STARTED', 'DETECTED', 'IDENTIFIED']) {
      const res = await t.gql(
        CORRECT_TIMESTAMP,
        correction(incident.key, field, new Date(Date.now() + 10 * MINUTE).toISOString()),
      );
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
      expect(res.body.errors?.[0].message).toMatch(/future/);
    }
    expect(await read(incident.key)).toEqual(before);
    expect(await corrections(incident.id)).toEqual([]);
  });

  it('corrects IDENTIFIED once the cause is identified, recording the old value', async () => {
    const incident = await declareWithTimes();
    for (const stage of ['INVESTIGATING', 'IDENTIFIED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    const before = await read(incident.key);
    // the cause was found before the incident was declared; only detection must come first
    const identified = ago(30 * MINUTE);
    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IDENTIFIED', identified, 'the on-call found the bad config before declaring'),
    );
    expect(data.correctTimestamp).toMatchObject({ stage: 'IDENTIFIED', identifiedAt: identified });
    expect(data.correctTimestamp.timeToDetectSeconds).toBe(before.timeToDetectSeconds);
    expect((await corrections(incident.id)).map((e) => e.data)).toEqual([
      {
        field: 'IDENTIFIED',
        from: before.identifiedAt,
        to: identified,
        reason: 'the on-call found the bad config before declaring',
      },
    ]);
  });

  it('sets IDENTIFIED after a mitigation that came first, later than mitigatedAt, TTR unchanged', async () => {
    const incident = await declareWithTimes();
    for (const stage of ['INVESTIGATING', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    const mitigated = await read(incident.key);
    expect(mitigated).toMatchObject({ stage: 'MITIGATED', identifiedAt: null });
    await sleep(1100);
    const identified = ago(0);
    expect(Date.parse(identified)).toBeGreaterThan(Date.parse(mitigated.mitigatedAt!));
    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IDENTIFIED', identified, 'root cause found after the rollback'),
    );
    expect(data.correctTimestamp).toEqual({ ...mitigated, identifiedAt: identified });
  });

  it('refuses IDENTIFIED before the cause is identified (BAD_USER_INPUT naming field) and changes nothing', async () => {
    const incident = await declareWithTimes();
    for (const stage of [null, 'INVESTIGATING']) {
      if (stage) await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
      const before = await read(incident.key);
      const res = await t.gql(CORRECT_TIMESTAMP, correction(incident.key, 'IDENTIFIED', ago(30 * MINUTE)));
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'field' });
      expect(res.body.errors?.[0].message).toMatch(/IDENTIFIED/);
      expect(await read(incident.key)).toEqual(before);
    }
    expect(await corrections(incident.id)).toEqual([]);
  });

  it('refuses IDENTIFIED before detectedAt with BAD_USER_INPUT naming value', async () => {
    const incident = await declareWithTimes();
    for (const stage of ['INVESTIGATING', 'MITIGATED', 'POSTMORTEM']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    const before = await read(incident.key);
    const res = await t.gql(CORRECT_TIMESTAMP, correction(incident.key, 'IDENTIFIED', ago(90 * MINUTE)));
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    expect(res.body.errors?.[0].message).toMatch(/identifiedAt .* may not be earlier than detectedAt/);
    expect(await read(incident.key)).toEqual(before);
    expect(await corrections(incident.id)).toEqual([]);
  });

  it('requires a reason (BAD_USER_INPUT naming reason)', async () => {
    const incident = await declareWithTimes();
    const res = await t.gql(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IMPACT_STARTED', ago(3 * HOUR), '  '),
    );
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await read(incident.key)).impactStartedAt).toBe(incident.impactStartedAt);
  });

  it('is refused to a RESPONDER token with FORBIDDEN', async () => {
    const incident = await declareWithTimes();
    const res = await t.gql(CORRECT_TIMESTAMP, correction(incident.key, 'IMPACT_STARTED', ago(3 * HOUR)), {
      token: t.tokens.responder,
    });
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await read(incident.key)).impactStartedAt).toBe(incident.impactStartedAt);
    expect(await corrections(incident.id)).toEqual([]);
  });

  it('computes TTR from mitigatedAt and the corrected impact start, keeping the order after mitigation', async () => {
    const incident = await declareWithTimes();
    expect(incident.timeToRecoverSeconds).toBeNull();
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    const mitigated = await read(incident.key);
    expect(mitigated.stage).toBe('MITIGATED');
    expect(mitigated.identifiedAt).not.toBeNull();
    expect(mitigated.mitigatedAt).not.toBeNull();
    expect(mitigated.timeToRecoverSeconds).toBe(seconds(incident.impactStartedAt, mitigated.mitigatedAt!));

    const earlier = ago(4 * HOUR);
    const data = await t.ok<{ correctTimestamp: Times }>(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'IMPACT_STARTED', earlier),
    );
    expect(data.correctTimestamp.timeToRecoverSeconds).toBe(seconds(earlier, mitigated.mitigatedAt!));

    const stored = await read(incident.key);
    expect(stored.mitigatedAt).toBe(mitigated.mitigatedAt);
    expect(stored.timeToRecoverSeconds).toBe(seconds(earlier, mitigated.mitigatedAt!));
    expect(stored.timeToRecoverSeconds! - mitigated.timeToRecoverSeconds!).toBe(
      seconds(earlier, incident.impactStartedAt),
    );
    expect(stored.timeToDetectSeconds).toBe(seconds(earlier, incident.detectedAt));

    // the order still holds against identifiedAt and mitigatedAt
    const late = await t.gql(
      CORRECT_TIMESTAMP,
      correction(incident.key, 'DETECTED', new Date().toISOString()),
    );
    expect(late.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    expect(await read(incident.key)).toEqual(stored);
  });
});
