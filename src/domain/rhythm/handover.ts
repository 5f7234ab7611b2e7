// When an incident manager is prompted to hand over. Pure: the job scheduler and the tick both ask
// decideHandover, so what is recorded and when the next check runs always agree.
//
// Holding an incident-manager role for HANDOVER_AFTER (4h by default) starts period 1 of the
// handover prompts; every further HANDOVER_AFTER starts the next period (4h, 8h, 12h, ...). Each
// period gets one prompt, until the role is handed over or relieved, or the impact ends.

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration given as `<n>s`, `<n>m`, `<n>h` or `<n>d` (a bare number is minutes), in seconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration (e.g. 4h, 90m, 30s)`);
  const seconds = Number(match[1]) * UNIT_SECONDS[(match[2] || 'm').toLowerCase()];
  if (seconds < 1 || seconds > 7 * 24 * 3600) throw new Error(`"${text}" must be between 1s and 7 days`);
  return seconds;
}

export interface HandoverInput {
  /** When the current holder took the role. */
  assignedAt: Date;
  now: Date;
  /** HANDOVER_AFTER, in seconds. */
  afterSeconds: number;
  /** Periods already prompted for this assignment. */
  prompted: ReadonlySet<number>;
}

export interface HandoverDecision {
  /** The prompt period now: 0 before assignedAt + HANDOVER_AFTER. */
  period: number;
  /** How long the holder has held the role at `now`, in seconds. */
  heldSeconds: number;
  prompt: boolean;
  /** When to look again (now, when a prompt is owed) and for which period. */
  next: { at: Date; period: number };
}

export function decideHandover(input: HandoverInput): HandoverDecision {
  const afterMs = input.afterSeconds * 1000;
  const heldMs = Math.max(0, input.now.getTime() - input.assignedAt.getTime());
  const period = Math.floor(heldMs / afterMs);
  const prompt = period > 0 && !input.prompted.has(period);
  const next = prompt
    ? { at: input.now, period }
    : { at: new Date(input.assignedAt.getTime() + (period + 1) * afterMs), period: period + 1 };
  return { period, heldSeconds: Math.floor(heldMs / 1000), prompt, next };
}

/** "3h 12m", "45m", "30s": how long a role has been held, for texts and the wallboard. */
export function formatHeld(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m` : `${seconds}s`;
}
