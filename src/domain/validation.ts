// Input validation for use cases, shared by every entry point. A refusal names the field.
// Input objects are strict: a field the use case does not know is refused, never dropped.
// Every text and date of every input also passes the rules below (parseInput applies them to
// the whole input, whatever its schema): no NUL or unpaired surrogate in a text (PostgreSQL
// refuses the one, the other is no character), no date before EARLIEST_DATE.
import { z } from 'zod';
import { DomainError } from './errors';

/** Parse `input` or throw BAD_USER_INPUT naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const unstorable = valueProblems(input);
  if (unstorable.length) throw refusal(unstorable);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const at = issue.path.join('.');
    // A strict object refuses fields it does not know; name each one, not the object.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: at ? `${at}.${key}` : key, message: 'is not a known field' }));
    }
    return [{ field: at || '(input)', message: issue.message }];
  });
  throw refusal(problems);
}

interface Problem {
  field: string;
  message: string;
}

function refusal(problems: Problem[]): DomainError {
  return new DomainError('BAD_USER_INPUT', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    field: problems[0].field,
    problems,
  });
}

/** Nothing an incident hub records happened before this; an earlier date is a typo (1900, 0001). */
export const EARLIEST_DATE = new Date('2000-01-01T00:00:00.000Z');

/** How far ahead of the hub's clock a "now or earlier" time may be: callers' clocks drift. */
export const CLOCK_SKEW_MS = 5_000;

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be stored, or null. */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (UNPAIRED_SURROGATE.test(value)) return 'must not contain unpaired surrogates (invalid Unicode)';
  return null;
}

/** Why a date is out of bounds, or null. */
export function dateProblem(value: Date): string | null {
  if (Number.isNaN(value.getTime())) return 'must be a valid date';
  if (value.getTime() < EARLIEST_DATE.getTime()) return `must not be before ${EARLIEST_DATE.toISOString()}`;
  return null;
}

const MAX_INPUT_DEPTH = 32;

/** Every text and date in a value (objects and lists, at any depth) that breaks the rules above. */
export function valueProblems(value: unknown, at = '', depth = 0): Problem[] {
  // Inputs are plain data a few levels deep; this keeps an object graph with cycles from looping.
  if (depth > MAX_INPUT_DEPTH) return [];
  const field = at || '(input)';
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? [{ field, message }] : [];
  }
  if (value instanceof Date) {
    const message = dateProblem(value);
    return message ? [{ field, message }] : [];
  }
  const inner = (key: string | number, v: unknown) =>
    valueProblems(v, at ? `${at}.${key}` : String(key), depth + 1);
  if (Array.isArray(value)) return value.flatMap((v, i) => inner(i, v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, v]) => inner(key, v));
  return [];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Trimmed text, required, with a documented maximum length. */
export const requiredText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Trimmed text that may be absent or null; an empty string counts as absent. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v === undefined ? undefined : v === null || v === '' ? null : v));

export const id = () => z.string().regex(UUID, 'must be a valid id');

/** A time at or before now (give or take CLOCK_SKEW_MS), and not before EARLIEST_DATE. */
export const pastOrPresent = (now: Date) =>
  z
    .date()
    .min(EARLIEST_DATE, `must not be before ${EARLIEST_DATE.toISOString()}`)
    .refine((d) => d.getTime() <= now.getTime() + CLOCK_SKEW_MS, 'must not be in the future');
