// Input validation for use cases, shared by every entry point. A refusal names the field.
// Input objects are strict: a field the use case does not know is refused, never dropped.
import { z } from 'zod';
import { DomainError } from './errors';

/** Parse `input` or throw BAD_USER_INPUT naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
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
  throw new DomainError('BAD_USER_INPUT', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    field: problems[0].field,
    problems,
  });
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

export const pastOrPresent = (now: Date) =>
  z.date().refine((d) => d.getTime() <= now.getTime() + 1000, 'must not be in the future');
