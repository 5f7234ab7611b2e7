import { DomainError } from '../../src/domain/errors';
import { Stage } from '../../src/domain/enums';
import { canTransition, nextStages, transition } from '../../src/domain/incident/lifecycle';

const { ACKNOWLEDGED, INVESTIGATING, IDENTIFIED, MITIGATED, POSTMORTEM, CLOSED, CANCELLED } = Stage;

// The stage table of PRODUCT.md, written out independently of the module under test:
// rows are `from`, true marks an allowed move.
const EXPECTED: Record<Stage, Stage[]> = {
  // any active stage may move forward to MITIGATED: a rollback can end the impact before the
  // cause is known
  ACKNOWLEDGED: [INVESTIGATING, MITIGATED, CANCELLED],
  INVESTIGATING: [IDENTIFIED, MITIGATED, CANCELLED],
  IDENTIFIED: [MITIGATED, INVESTIGATING, CANCELLED],
  MITIGATED: [POSTMORTEM, INVESTIGATING],
  POSTMORTEM: [CLOSED],
  CLOSED: [],
  CANCELLED: [],
};

const ALL = Object.values(Stage);
const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to, EXPECTED[from].includes(to)] as const));

describe('stage lifecycle', () => {
  it('has 49 (from, to) pairs, 12 of them allowed', () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter(([, , ok]) => ok)).toHaveLength(12);
  });

  it.each(pairs)('%s -> %s allowed: %s', (from, to, allowed) => {
    const now = new Date('2026-01-02T03:04:05Z');
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) {
      expect(transition(from, to, now)).toMatchObject({ from, to });
    } else {
      let error: unknown;
      try {
        transition(from, to, now);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      const domainError = error as DomainError;
      expect(domainError.code).toBe('ILLEGAL_STAGE_TRANSITION');
      expect(domainError.message).toContain(from);
      expect(domainError.details).toEqual({
        currentStage: from,
        requestedStage: to,
        allowedStages: EXPECTED[from],
      });
    }
  });

  it.each(ALL)('nextStages(%s) lists exactly the allowed moves', (from) => {
    expect([...nextStages(from)].sort()).toEqual([...EXPECTED[from]].sort());
  });

  it('stamps identifiedAt, mitigatedAt and closedAt with the given time', () => {
    const now = new Date('2026-05-06T07:08:09Z');
    expect(transition(INVESTIGATING, IDENTIFIED, now).timestamps).toEqual({ identifiedAt: now });
    expect(transition(IDENTIFIED, MITIGATED, now).timestamps).toEqual({ mitigatedAt: now });
    expect(transition(POSTMORTEM, CLOSED, now).timestamps).toEqual({ closedAt: now });
    expect(transition(ACKNOWLEDGED, CANCELLED, now).timestamps).toEqual({ closedAt: now });
  });

  it('mitigating before the cause is identified stamps mitigatedAt only; identifiedAt stays unset', () => {
    const now = new Date('2026-05-06T07:08:09Z');
    expect(transition(INVESTIGATING, MITIGATED, now).timestamps).toEqual({ mitigatedAt: now });
    expect(transition(ACKNOWLEDGED, MITIGATED, now).timestamps).toEqual({ mitigatedAt: now });
    expect(nextStages(INVESTIGATING)).toContain(MITIGATED);
  });

  it('clears the stamps of an abandoned stage when moving back', () => {
    const now = new Date();
    expect(transition(IDENTIFIED, INVESTIGATING, now).timestamps).toEqual({ identifiedAt: null });
    expect(transition(MITIGATED, INVESTIGATING, now).timestamps).toEqual({
      identifiedAt: null,
      mitigatedAt: null,
    });
  });
});
