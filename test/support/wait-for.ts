// Waiting in tests: poll until something holds, or fail saying what was awaited and what was seen last.

export interface WaitForOptions {
  /** Give up after this many milliseconds (default 20 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value that `accept` holds for (by default: anything but
 * undefined, null and false), and returns that value. After `timeoutMs` it throws an error naming
 * `what` and the last value (or error) the probe gave. An error thrown by the probe counts as "not
 * yet" until the time is up.
 */
export function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
): Promise<Exclude<T, undefined | null | false>>;
export function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  options?: WaitForOptions,
): Promise<T>;
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean = (value) => value !== undefined && value !== null && value !== false,
  { timeoutMs = 20_000, intervalMs = 100 }: WaitForOptions = {},
): Promise<T> {
  const started = Date.now();
  let attempts = 0;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    attempts += 1;
    try {
      const value = await probe();
      last = { value };
      if (accept(value)) return value;
    } catch (error) {
      last = { error };
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw new Error(
        `timed out after ${elapsed} ms (${attempts} attempts) waiting for ${what}; last ${describe(last)}`,
      );
    }
    await sleep(Math.min(intervalMs, timeoutMs - elapsed));
  }
}

/** A plain pause, for the few places where time itself is the point (not for waiting on a state). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describe(last: { value: unknown } | { error: unknown } | undefined): string {
  if (!last) return 'value: none';
  if ('error' in last)
    return `error: ${last.error instanceof Error ? last.error.message : String(last.error)}`;
  let text: string;
  try {
    text = JSON.stringify(last.value, null, 2) ?? String(last.value);
  } catch {
    text = String(last.value);
  }
  return `value: ${text.length > 4000 ? `${text.slice(0, 4000)}…` : text}`;
}
