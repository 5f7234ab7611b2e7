// The status-update cadence as configured (STATUS_UPDATE_CADENCE): seconds between incident-manager
// updates per priority. Pure; "P1=30m,P2=60m" is the default, "P1=20s" allows quick trials.
import { Priority } from '../enums';
import type { UpdateCadence } from '../incident/priority-matrix';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const PAIR = /^(P[1-4])\s*=\s*(\d+)\s*([smh]?)$/i;

/** Seconds given as `<n>s`, `<n>m`, `<n>h`, or a bare number of minutes. */
export function parseCadence(text: string): UpdateCadence {
  const cadence: Partial<Record<Priority, number>> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = PAIR.exec(pair);
    if (!match) throw new Error(`"${pair}" is not PRIORITY=DURATION (e.g. P1=30m, P1=20s)`);
    const priority = match[1].toUpperCase() as Priority;
    if (priority in cadence) throw new Error(`${priority} is given twice`);
    const seconds = Number(match[2]) * UNIT_SECONDS[(match[3] || 'm').toLowerCase()];
    if (seconds < 1 || seconds > 7 * 24 * 3600) throw new Error(`"${pair}" must be between 1s and 7 days`);
    cadence[priority] = seconds;
  }
  return cadence;
}

/** The cadence written back in the configuration's notation, e.g. "P1=30m,P2=60m". */
export function formatCadence(cadence: UpdateCadence): string {
  return Object.values(Priority)
    .filter((p) => cadence[p] !== undefined)
    .map((p) => {
      const s = cadence[p]!;
      return `${p}=${s % 60 === 0 ? `${s / 60}m` : `${s}s`}`;
    })
    .join(',');
}
