// The last word on any error outside GraphQL's own handling (body parsing on /graphql and the
// webhooks, unknown paths, anything a route throws): one JSON shape, { error: { code, message } },
// whatever NODE_ENV says. Stack traces, file paths and driver messages reach a caller only with
// DEV_ERRORS=true; errors that are not the caller's fault (5xx) are logged.
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

export interface HttpErrorBody {
  error: { code: string; message: string; stack?: string };
}

/** What body-parser (and http-errors) attach to the errors it raises. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  limit?: number;
  charset?: string;
  encoding?: string;
}

/** 'Payload Too Large' -> 'PAYLOAD_TOO_LARGE' */
const codeOf = (status: number) =>
  (STATUS_CODES[status] ?? 'Error')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

const size = (bytes: number) =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} kB`
      : `${bytes} bytes`;

/** A message written here for each kind of parser error, never the error's own (it may echo the body). */
function describe(err: ParserError, status: number): string {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'the body is not valid JSON';
    case 'entity.too.large':
      return err.limit ? `the body is larger than ${size(err.limit)}` : 'the body is too large';
    case 'charset.unsupported':
      return `unsupported charset "${String(err.charset ?? '').toUpperCase()}"`;
    case 'encoding.unsupported':
      return `unsupported content encoding "${String(err.encoding ?? '')}"`;
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return 'the body could not be read';
    default:
      return status >= 500 ? 'internal error' : 'the body could not be read';
  }
}

/** The status, code and message of an error as a caller may see it. */
export function publicError(err: unknown, devErrors: boolean): { status: number; body: HttpErrorBody } {
  const e = (err ?? {}) as ParserError;
  const given = e.status ?? e.statusCode;
  const status = typeof given === 'number' && given >= 400 && given < 600 ? given : 500;
  const body: HttpErrorBody = { error: { code: codeOf(status), message: describe(e, status) } };
  if (devErrors && err instanceof Error) {
    body.error.message = err.message;
    if (err.stack) body.error.stack = err.stack;
  }
  return { status, body };
}

/** Express error middleware: mount last (and on routers that answer their own errors). */
export function httpErrorHandler(log: Logger, devErrors: boolean) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body } = publicError(err, devErrors);
    if (status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    else log.warn({ status, code: body.error.code, type: (err as ParserError).type }, 'request refused');
    res.status(status).json(body);
  };
}

/** Express's own 404 is an HTML page: answer JSON like every other error. */
export function notFound(_req: Request, res: Response): void {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such resource' } } satisfies HttpErrorBody);
}
