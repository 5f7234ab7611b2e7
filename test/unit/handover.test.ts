// decideHandover: one prompt per HANDOVER_AFTER period of holding the role, and when to look again.
import { decideHandover, formatHeld, parseDuration } from '../../src/domain/rhythm/handover';

const at = new Date('2026-01-01T08:00:00Z');
const plus = (s: number) => new Date(at.getTime() + s * 1000);
const H = 3600;

describe('decideHandover', () => {
  it('is quiet before HANDOVER_AFTER and plans the first check at assignedAt + HANDOVER_AFTER', () => {
    const d = decideHandover({ assignedAt: at, now: plus(H), afterSeconds: 4 * H, prompted: new Set() });
    expect(d).toEqual({ period: 0, heldSeconds: H, prompt: false, next: { at: plus(4 * H), period: 1 } });
  });

  it('prompts once per period, then plans the next period one HANDOVER_AFTER later', () => {
    const now = plus(4 * H + 60);
    expect(decideHandover({ assignedAt: at, now, afterSeconds: 4 * H, prompted: new Set() })).toMatchObject({
      period: 1,
      prompt: true,
      next: { at: now, period: 1 },
    });
    expect(
      decideHandover({ assignedAt: at, now, afterSeconds: 4 * H, prompted: new Set([1]) }),
    ).toMatchObject({
      prompt: false,
      next: { at: plus(8 * H), period: 2 },
    });
    expect(
      decideHandover({ assignedAt: at, now: plus(8 * H), afterSeconds: 4 * H, prompted: new Set([1]) }),
    ).toMatchObject({ period: 2, prompt: true });
  });
});

describe('HANDOVER_AFTER and the held time', () => {
  it('parses durations and formats how long the role is held', () => {
    expect([parseDuration('4h'), parseDuration('30s'), parseDuration('90')]).toEqual([4 * H, 30, 90 * 60]);
    expect(() => parseDuration('four hours')).toThrow(/not a duration/);
    expect(() => parseDuration('0s')).toThrow(/between/);
    expect([formatHeld(3 * H + 12 * 60 + 5), formatHeld(45 * 60), formatHeld(30)]).toEqual([
      '3h 12m',
      '45m',
      '30s',
    ]);
  });
});
