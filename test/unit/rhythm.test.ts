// When a status update is owed: reminders once per overdue period, an escalation at twice the
// interval, and when to look next. Pure: the tick and the scheduler both ask decideRhythm.
import { Priority, Stage } from '../../src/domain/enums';
import { decideRhythm, overdueSince, type RhythmInput } from '../../src/domain/rhythm/overdue';

const MINUTE = 60_000;
const ACK = new Date('2026-11-28T06:00:00.000Z');
const at = (minutes: number) => new Date(ACK.getTime() + minutes * MINUTE);

const input = (over: Partial<RhythmInput> = {}): RhythmInput => ({
  incident: { priority: Priority.P1, stage: Stage.INVESTIGATING, acknowledgedAt: ACK },
  lastStatusUpdateAt: null,
  cadence: { P1: 1800, P2: 3600 },
  now: at(0),
  reminded: new Set(),
  escalated: false,
  ...over,
});

describe('decideRhythm', () => {
  it('owes nothing before the due time, and looks again at it', () => {
    expect(decideRhythm(input({ now: at(29) }))).toMatchObject({
      dueAt: at(30),
      period: 0,
      remind: false,
      escalate: false,
      next: { at: at(30), period: 1 },
    });
  });

  it('reminds once per overdue period, then looks at the start of the next one', () => {
    expect(decideRhythm(input({ now: at(30) }))).toMatchObject({
      period: 1,
      remind: true,
      overdueSeconds: 0,
      next: { at: at(30), period: 1 },
    });
    expect(decideRhythm(input({ now: at(45), reminded: new Set([1]) }))).toMatchObject({
      period: 1,
      remind: false,
      next: { at: at(60), period: 2 },
    });
    expect(decideRhythm(input({ now: at(61), reminded: new Set([1]) }))).toMatchObject({
      period: 2,
      remind: true,
      overdueSeconds: 31 * 60,
    });
  });

  it('escalates once, when overdue by twice the interval', () => {
    expect(decideRhythm(input({ now: at(89), reminded: new Set([1, 2]) }))).toMatchObject({
      escalate: false,
      next: { at: at(90), period: 3 },
    });
    expect(decideRhythm(input({ now: at(90), reminded: new Set([1, 2]) }))).toMatchObject({
      period: 3,
      remind: true,
      escalate: true,
    });
    expect(
      decideRhythm(input({ now: at(100), reminded: new Set([1, 2, 3]), escalated: true })),
    ).toMatchObject({ remind: false, escalate: false, next: { at: at(120), period: 4 } });
  });

  it('counts from the last status update, by the priority of now', () => {
    const last = at(50);
    expect(decideRhythm(input({ lastStatusUpdateAt: last, now: at(60) })).next).toEqual({
      at: at(80),
      period: 1,
    });
    const p2 = input({ incident: { priority: Priority.P2, stage: Stage.IDENTIFIED, acknowledgedAt: ACK } });
    expect(decideRhythm({ ...p2, now: at(10) }).next).toEqual({ at: at(60), period: 1 });
  });

  it('owes nothing without a cadence for the priority, or once the impact has ended', () => {
    const p3 = { priority: Priority.P3, stage: Stage.INVESTIGATING, acknowledgedAt: ACK };
    expect(decideRhythm(input({ incident: p3, now: at(500) }))).toMatchObject({ dueAt: null, next: null });
    const mitigated = { priority: Priority.P1, stage: Stage.MITIGATED, acknowledgedAt: ACK };
    expect(decideRhythm(input({ incident: mitigated, now: at(500) }))).toMatchObject({
      dueAt: null,
      remind: false,
      next: null,
    });
  });

  it('follows a cadence in seconds (P1=20s)', () => {
    const d = decideRhythm(input({ cadence: { P1: 20 }, now: new Date(ACK.getTime() + 41_000) }));
    expect(d).toMatchObject({ period: 2, remind: true, escalate: false, overdueSeconds: 21 });
    const late = decideRhythm(input({ cadence: { P1: 20 }, now: new Date(ACK.getTime() + 60_000) }));
    expect(late).toMatchObject({ period: 3, remind: true, escalate: true, overdueSeconds: 40 });
  });
});

describe('overdueSince', () => {
  it('is the due time once it has passed, else null', () => {
    const incident = { priority: Priority.P1, stage: Stage.ACKNOWLEDGED, acknowledgedAt: ACK };
    expect(overdueSince(incident, null, { P1: 1800 }, at(29))).toBeNull();
    expect(overdueSince(incident, null, { P1: 1800 }, at(31))).toEqual(at(30));
  });
});
