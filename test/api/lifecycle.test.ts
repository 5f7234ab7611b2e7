import { CHANGE_STAGE, INCIDENT, REASSESS_PRIORITY_LEVELS } from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const move = (incidentKey: string, stage: string, note?: string) =>
  t.gql<{ changeStage: Record<string, unknown> }>(CHANGE_STAGE, { input: { incidentKey, stage, note } });

describe('changeStage', () => {
  it('walks the whole process, stamping times and writing one STAGE_CHANGED entry per move', async () => {
    const incident = await declare(t);
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED', 'POSTMORTEM', 'CLOSED']) {
      const res = await move(incident.key, stage);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.changeStage.stage).toBe(stage);
    }
    const data = await t.ok<{ incident: Record<string, unknown> }>(INCIDENT, { key: incident.key });
    expect(data.incident).toMatchObject({ stage: 'CLOSED', nextStages: [] });
    expect(data.incident.identifiedAt).not.toBeNull();
    expect(data.incident.mitigatedAt).not.toBeNull();
    expect(data.incident.closedAt).not.toBeNull();
    expect(typeof data.incident.timeToRecoverSeconds).toBe('number');
    const stageEntries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'STAGE_CHANGED');
    expect(stageEntries.map((e) => [e.data?.from, e.data?.to])).toEqual([
      ['ACKNOWLEDGED', 'INVESTIGATING'],
      ['INVESTIGATING', 'IDENTIFIED'],
      ['IDENTIFIED', 'MITIGATED'],
      ['MITIGATED', 'POSTMORTEM'],
      ['POSTMORTEM', 'CLOSED'],
    ]);
    expect(stageEntries.every((e) => e.actor_id === t.people.manager.id)).toBe(true);
  });

  it('refuses an illegal move with ILLEGAL_STAGE_TRANSITION, naming current and allowed stages, and changes nothing', async () => {
    const incident = await declare(t);
    const before = await timelineRows(t, incident.id);
    const res = await move(incident.key, 'POSTMORTEM');
    expect(res.body.data).toBeNull();
    const error = res.body.errors![0];
    expect(error.extensions).toMatchObject({
      code: 'ILLEGAL_STAGE_TRANSITION',
      currentStage: 'ACKNOWLEDGED',
      requestedStage: 'POSTMORTEM',
      allowedStages: ['INVESTIGATING', 'MITIGATED', 'CANCELLED'],
    });
    expect(error.message).toContain('ACKNOWLEDGED');
    expect(error.message).toContain('INVESTIGATING, MITIGATED, CANCELLED');
    const [row] = await t.database.dataSource.query('SELECT stage, version FROM incident WHERE id = $1', [
      incident.id,
    ]);
    expect(row.stage).toBe('ACKNOWLEDGED');
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });

  it('mitigates from INVESTIGATING before the cause is known: identifiedAt stays null until corrected in POSTMORTEM', async () => {
    const incident = await declare(t);
    await move(incident.key, 'INVESTIGATING');
    const res = await move(incident.key, 'MITIGATED', 'rolled back the release; cause not known yet');
    expect(res.body.errors).toBeUndefined();
    const mitigated = res.body.data!.changeStage;
    expect(mitigated).toMatchObject({ stage: 'MITIGATED', identifiedAt: null });
    expect(mitigated.mitigatedAt).not.toBeNull();
    expect(typeof mitigated.timeToRecoverSeconds).toBe('number');
    expect((await move(incident.key, 'POSTMORTEM')).body.errors).toBeUndefined();

    // the postmortem finds the cause, after the rollback: identifiedAt is set then, later than mitigatedAt
    const identified = new Date().toISOString();
    const corrected = await t.ok<{ correctTimestamp: Record<string, unknown> }>(
      `mutation ($input: CorrectTimestampInput!) {
        correctTimestamp(input: $input) { stage identifiedAt mitigatedAt timeToRecoverSeconds }
      }`,
      {
        input: {
          incidentKey: incident.key,
          field: 'IDENTIFIED',
          value: identified,
          reason: 'postmortem: a config flag flipped by the release',
        },
      },
    );
    expect(corrected.correctTimestamp).toEqual({
      stage: 'POSTMORTEM',
      identifiedAt: identified,
      mitigatedAt: mitigated.mitigatedAt,
      timeToRecoverSeconds: mitigated.timeToRecoverSeconds,
    });
    const rows = await timelineRows(t, incident.id);
    expect(rows.filter((e) => e.kind === 'STAGE_CHANGED').map((e) => [e.data?.from, e.data?.to])).toEqual([
      ['ACKNOWLEDGED', 'INVESTIGATING'],
      ['INVESTIGATING', 'MITIGATED'],
      ['MITIGATED', 'POSTMORTEM'],
    ]);
    expect(rows.at(-1)).toMatchObject({
      kind: 'TIMESTAMP_CORRECTED',
      actor_id: t.people.manager.id,
      data: { field: 'IDENTIFIED', from: null, to: identified },
    });
  });

  it('mitigates straight from ACKNOWLEDGED, and lists MITIGATED among the next stages of every active stage', async () => {
    const incident = await declare(t);
    expect(incident.nextStages).toEqual(['INVESTIGATING', 'MITIGATED', 'CANCELLED']);
    const res = await move(incident.key, 'MITIGATED');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.changeStage).toMatchObject({ stage: 'MITIGATED', identifiedAt: null });
    const other = await declare(t);
    const investigating = await move(other.key, 'INVESTIGATING');
    expect(investigating.body.data!.changeStage.nextStages).toEqual(['IDENTIFIED', 'MITIGATED', 'CANCELLED']);
  });

  it('moving back clears the abandoned stamps, so TTR is null until mitigated again', async () => {
    const incident = await declare(t);
    for (const s of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) await move(incident.key, s);
    const back = await move(incident.key, 'INVESTIGATING', 'impact came back');
    expect(back.body.data?.changeStage).toMatchObject({
      stage: 'INVESTIGATING',
      identifiedAt: null,
      mitigatedAt: null,
      timeToRecoverSeconds: null,
    });
    const last = (await timelineRows(t, incident.id)).at(-1)!;
    expect(last).toMatchObject({
      kind: 'STAGE_CHANGED',
      data: { from: 'MITIGATED', to: 'INVESTIGATING', note: 'impact came back' },
    });
  });

  it('under concurrency makes exactly one move and writes exactly one entry; the other call gets CONFLICT or a rule of the new stage', async () => {
    for (let round = 0; round < 5; round++) {
      const incident = await declare(t);
      const results = await Promise.all([
        move(incident.key, 'INVESTIGATING'),
        move(incident.key, 'INVESTIGATING'),
      ]);
      const successes = results.filter((r) => !r.body.errors);
      const failures = results.filter((r) => r.body.errors);
      expect(successes).toHaveLength(1);
      expect(failures).toHaveLength(1);
      expect(['CONFLICT', 'ILLEGAL_STAGE_TRANSITION']).toContain(
        failures[0].body.errors![0].extensions?.code,
      );
      const entries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'STAGE_CHANGED');
      expect(entries).toHaveLength(1);
      const [row] = await t.database.dataSource.query('SELECT stage, version FROM incident WHERE id = $1', [
        incident.id,
      ]);
      expect(row).toEqual({ stage: 'INVESTIGATING', version: 2 });
    }
  });

  it('two different concurrent moves never lose an update: every entry starts where the previous ended', async () => {
    for (let round = 0; round < 5; round++) {
      const incident = await declare(t);
      await move(incident.key, 'INVESTIGATING');
      const results = await Promise.all([move(incident.key, 'IDENTIFIED'), move(incident.key, 'CANCELLED')]);
      const won = results.filter((r) => !r.body.errors).map((r) => r.body.data!.changeStage.stage as string);
      for (const r of results.filter((r) => r.body.errors)) {
        expect(['CONFLICT', 'ILLEGAL_STAGE_TRANSITION']).toContain(r.body.errors![0].extensions?.code);
      }
      const [row] = await t.database.dataSource.query('SELECT stage FROM incident WHERE id = $1', [
        incident.id,
      ]);
      const entries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'STAGE_CHANGED');
      expect(won.length).toBeGreaterThanOrEqual(1);
      expect(entries).toHaveLength(1 + won.length);
      for (let i = 1; i < entries.length; i++) expect(entries[i].data?.from).toBe(entries[i - 1].data?.to);
      expect(entries.at(-1)!.data?.to).toBe(row.stage);
      expect(
        entries
          .slice(1)
          .map((e) => e.data?.to)
          .sort(),
      ).toEqual([...won].sort());
    }
  });
});

describe('reassessPriority', () => {
  it('recomputes priority from the matrix and records old and new values with the reason', async () => {
    const incident = await declare(t, { clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' });
    expect(incident.priority).toBe('P3');
    const data = await t.ok<{ reassessPriority: { priority: string; clientImpactLevel: string } }>(
      REASSESS_PRIORITY_LEVELS,
      {
        input: {
          incidentKey: incident.key,
          clientImpactLevel: 'EXTENSIVE',
          clientUrgencyLevel: 'CRITICAL',
          reason: 'all sites down now',
        },
      },
    );
    expect(data.reassessPriority).toEqual({ priority: 'P1', clientImpactLevel: 'EXTENSIVE' });
    const entry = (await timelineRows(t, incident.id)).at(-1)!;
    expect(entry.kind).toBe('PRIORITY_CHANGED');
    expect(entry.actor_id).toBe(t.people.manager.id);
    expect(entry.data).toEqual({
      from: { priority: 'P3', clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' },
      to: { priority: 'P1', clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' },
      reason: 'all sites down now',
      // raised from P3 to P1, the incident enters Incident Flow with this change
      incidentFlow: true,
      enteredFlow: true,
    });
  });
});
