// What every response carries for browsers: security headers (helmet; the pages load scripts only
// from the hub itself), CORS for the origins CORS_ORIGINS lists (none by default: no CORS header at
// all), and compression when the client accepts it.
import compression from 'compression';
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export function browserSafety(corsOrigins: readonly string[]): RequestHandler[] {
  const handlers: RequestHandler[] = [
    helmet({
      contentSecurityPolicy: {
        directives: {
          // the hub is often reached over plain HTTP inside a network: upgrading would break its pages
          upgradeInsecureRequests: null,
          frameAncestors: ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
    }),
    compression(),
  ];
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
  return handlers;
}
