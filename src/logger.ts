// Structured JSON logs, one line per event. Secrets are redacted wherever they could appear: known
// fields, every query string value, SQL parameters and the values in database error messages.
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-zendesk-webhook-signature"]',
  'req.headers["x-hub-signature"]',
  'headers.authorization',
  'authorization',
  'token',
  'secret',
  '*.token',
  '*.secret',
  '*.authorization',
  'variables.token',
];

/**
 * A URL as it may be logged: every query value replaced (`/board?token=…` carries a token, and no
 * route's query string is known to be harmless).
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=[redacted]`;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

/** Properties of database errors that carry values: bound parameters, rows, criteria, the server's detail. */
const VALUE_FIELDS = [
  'parameters',
  'params',
  'values',
  'criteria',
  'detail',
  'where',
  'internalQuery',
  'hint',
];

/** Double-quoted text in a message, except what the statement itself holds (identifiers). */
const scrubValues = (text: unknown, statement: string) =>
  typeof text === 'string'
    ? text.replace(/"([^"\n]*)"/g, (quoted, inner: string) =>
        inner && statement.includes(`"${inner}"`) ? quoted : '"[redacted]"',
      )
    : text;

/**
 * Errors as logged: pino's serializer, then without SQL parameters or the driver's detail (user
 * text, token hashes), and with quoted values in a database error's message and stack replaced
 * (identifiers quoted in the statement stay). The same for its driver error and cause.
 */
export function serializeError(err: unknown, statement?: string, depth = 0): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const sql =
    statement ??
    (typeof out.query === 'string' || 'driverError' in out ? String(out.query ?? '') : undefined);
  for (const field of VALUE_FIELDS) delete out[field];
  for (const key of ['message', 'stack'] as const) {
    // TypeORM's EntityNotFoundError prints its criteria (an email, a token's hash): not kept
    if (typeof out[key] === 'string')
      out[key] = (out[key] as string).replace(/ matching: [\s\S]*?(\n {4}at |$)/, ' matching: [redacted]$1');
  }
  if (sql !== undefined) {
    out.message = scrubValues(out.message, sql);
    out.stack = scrubValues(out.stack, sql);
  }
  for (const nested of ['driverError', 'cause'])
    if (out[nested] && depth < 3) out[nested] = serializeError(out[nested], sql, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'incident-hub' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
