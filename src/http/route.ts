// The route template a request matched, for metrics and traces: never its path, so no incident key
// or token in an address becomes a label or a span name. Free of dependencies, so tracing can use it
// before Express is loaded.
import type { Request, Response } from 'express';

/** The route template a request matched, else where it was mounted, else a fixed word. */
export function routeOf(req: Request, res: Response): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  if (req.baseUrl) return req.baseUrl;
  return res.statusCode === 404 ? '(unmatched)' : '(other)';
}
