// What every response carries for browsers: security headers (helmet; the pages load scripts only
// from the hub itself), CORS for the origins CORS_ORIGINS lists (none by default: no CORS header at
// all), and compression when the client accepts it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export interface BrowserSafety {
  /** Express's middleware, in order. */
  readonly handlers: RequestHandler[];
  /**
   * The same for a response written without Express (plain operations, server.ts): helmet's
   * headers as its middleware sets them (they depend on nothing in the request, so they are
   * taken from it once), then the same compression and CORS middleware.
   */
  applyTo(req: IncomingMessage, res: ServerResponse): void;
}

export function browserSafety(corsOrigins: readonly string[]): BrowserSafety {
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        // the hub is often reached over plain HTTP inside a network: upgrading would break its pages
        upgradeInsecureRequests: null,
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  const handlers: RequestHandler[] = [securityHeaders, compression()];
  if (corsOrigins.length > 0) {
    handlers.push(
      cors({
        origin: [...corsOrigins],
        methods: ['GET', 'POST'],
        // no credentials: the API authenticates with a bearer token, not cookies
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      }),
    );
  }
  const helmetHeaders = headersSetBy(securityHeaders);
  const rest = handlers.slice(1) as unknown as ((
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
  ) => void)[];
  return {
    handlers,
    applyTo(req, res) {
      for (const [name, value] of helmetHeaders) res.setHeader(name, value);
      for (const handler of rest) handler(req, res, noop);
    },
  };
}

const noop = () => undefined;

/** The headers a middleware that only sets headers sets, recorded on a stand-in response. */
function headersSetBy(handler: RequestHandler): [string, string][] {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  };
  let called = false;
  (handler as unknown as (req: object, res: object, next: (err?: unknown) => void) => void)(
    { method: 'GET', url: '/', headers: {} },
    res,
    (err) => {
      if (err) throw err instanceof Error ? err : new Error(String(err));
      called = true;
    },
  );
  if (!called) throw new Error('browser safety: helmet did not set its headers at once');
  return [...headers];
}
