// Headers every response carries: security headers (the pages load scripts only from the hub
// itself) and CORS for the origins CORS_ORIGINS lists (none by default: no CORS header at all).
//
// helmet and cors are not installed; these follow helmet 8's defaults (without
// upgrade-insecure-requests: the hub is often reached over plain HTTP inside a network) and cors'
// behaviour for a fixed origin list. Once `helmet` and `cors` are dependencies, they replace this file.
import type { RequestHandler } from 'express';

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  // GraphiQL (React) and Chart.js set inline styles
  "style-src 'self' 'unsafe-inline'",
].join(';');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  };
}

/** The request headers a listed origin may send (preflight), and the response headers it may read. */
const ALLOWED_HEADERS =
  'authorization,content-type,x-request-id,apollo-require-preflight,x-apollo-operation-name';
const EXPOSED_HEADERS = 'x-request-id';

/**
 * CORS for exactly the listed origins: a listed Origin gets Access-Control-Allow-Origin echoing it
 * (no credentials: the API authenticates with a bearer token, not cookies); any other gets no CORS
 * header, so the browser keeps the answer from its page. A preflight from a listed origin is
 * answered 204 here.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) {
      next();
      return;
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('access-control-allow-methods', 'GET,POST');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
