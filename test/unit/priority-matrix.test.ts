import { ImpactLevel, Priority, UrgencyLevel } from '../../src/domain/enums';
import {
  DEFAULT_PRIORITY_MATRIX,
  derivePriority,
  type PriorityMatrix,
} from '../../src/domain/incident/priority-matrix';

// PRODUCT.md's default matrix, rows by impact, columns CRITICAL, HIGH, MEDIUM, LOW.
const TABLE: [ImpactLevel, [Priority, Priority, Priority, Priority]][] = [
  [ImpactLevel.EXTENSIVE, [Priority.P1, Priority.P1, Priority.P2, Priority.P3]],
  [ImpactLevel.SIGNIFICANT, [Priority.P1, Priority.P2, Priority.P2, Priority.P3]],
  [ImpactLevel.MODERATE, [Priority.P2, Priority.P2, Priority.P3, Priority.P4]],
  [ImpactLevel.MINOR, [Priority.P3, Priority.P3, Priority.P4, Priority.P4]],
];
const URGENCIES = [UrgencyLevel.CRITICAL, UrgencyLevel.HIGH, UrgencyLevel.MEDIUM, UrgencyLevel.LOW];
const cells = TABLE.flatMap(([impact, row]) => row.map((p, i) => [impact, URGENCIES[i], p] as const));

describe('priority matrix', () => {
  it('covers all 16 cells', () => {
    expect(cells).toHaveLength(16);
  });

  it.each(cells)('%s impact, %s urgency -> %s', (impact, urgency, priority) => {
    expect(derivePriority(impact, urgency)).toBe(priority);
    expect(DEFAULT_PRIORITY_MATRIX[impact][urgency]).toBe(priority);
  });

  it('is data: another matrix gives other answers', () => {
    const allP4 = Object.fromEntries(
      Object.values(ImpactLevel).map((i) => [i, Object.fromEntries(URGENCIES.map((u) => [u, Priority.P4]))]),
    ) as unknown as PriorityMatrix;
    expect(derivePriority(ImpactLevel.EXTENSIVE, UrgencyLevel.CRITICAL, allP4)).toBe(Priority.P4);
  });
});
