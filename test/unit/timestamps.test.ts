import { DomainError } from '../../src/domain/errors';
import {
  assertTimestampOrder,
  timeToAcknowledgeSeconds,
  timeToDetectSeconds,
  timeToRecoverSeconds,
} from '../../src/domain/incident/timestamps';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('incident timestamps', () => {
  const times = {
    impactStartedAt: at(0),
    detectedAt: at(10),
    acknowledgedAt: at(15),
    identifiedAt: at(40),
    mitigatedAt: at(70),
  };

  it('derives TTD, TTA and TTR in seconds', () => {
    expect(timeToDetectSeconds(times)).toBe(600);
    expect(timeToAcknowledgeSeconds(times)).toBe(300);
    expect(timeToRecoverSeconds(times)).toBe(4200);
    expect(timeToRecoverSeconds({ ...times, mitigatedAt: null })).toBeNull();
  });

  it('accepts ordered times and skips unset ones', () => {
    expect(() => assertTimestampOrder(times, 'value')).not.toThrow();
    expect(() => assertTimestampOrder({ ...times, identifiedAt: null }, 'value')).not.toThrow();
  });

  it('accepts a cause identified after mitigation (a rollback ended the impact first)', () => {
    expect(() => assertTimestampOrder({ ...times, identifiedAt: at(90) }, 'value')).not.toThrow();
    // or before the incident was acknowledged (declared): only detection must come first
    expect(() => assertTimestampOrder({ ...times, identifiedAt: at(12) }, 'value')).not.toThrow();
    expect(() => assertTimestampOrder({ ...times, identifiedAt: at(10) }, 'value')).not.toThrow();
  });

  it.each([
    ['impactStartedAt after detectedAt', { impactStartedAt: at(11) }],
    ['detectedAt after acknowledgedAt', { detectedAt: at(16) }],
    ['identifiedAt before detectedAt', { identifiedAt: at(9) }],
    ['mitigatedAt before acknowledgedAt', { mitigatedAt: at(14) }],
    ['mitigatedAt before acknowledgedAt, cause unknown', { identifiedAt: null, mitigatedAt: at(14) }],
  ])('refuses %s with BAD_USER_INPUT naming the field', (_name, change) => {
    expect(() => assertTimestampOrder({ ...times, ...change }, 'value')).toThrow(DomainError);
    try {
      assertTimestampOrder({ ...times, ...change }, 'value');
    } catch (e) {
      expect((e as DomainError).code).toBe('BAD_USER_INPUT');
      expect((e as DomainError).details).toEqual({ field: 'value' });
    }
  });
});
