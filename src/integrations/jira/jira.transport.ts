// The transport jira.js 6 sends its requests with. The library's own (createClient in jira.js/core)
// calls fetch without a signal and takes no timeout, so a Jira that accepts the connection and never
// answers would hold the job forever; this one gives up after `timeoutMs` (VENDOR_TIMEOUT_MS), as
// jira.js 5's axios timeout did. createCloudClient takes any object implementing its `Client`.
import type { Client, SendRequestOptions } from 'jira.js/core' with { 'resolution-mode': 'import' };

/** A non-2xx answer: its status and Retry-After (in seconds, if given), for JiraIssueTracker.call. */
export class JiraHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`Jira answered HTTP ${status}`); // no body: it may echo what was sent
  }
}

export function jiraTransport(options: {
  host: string;
  email: string;
  apiToken: string;
  timeoutMs: number;
}): Client {
  const host = options.host.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString('base64')}`;
  return {
    async sendRequest<T>(request: SendRequestOptions<T>): Promise<T> {
      const url = new URL(host + (request.url.startsWith('/') ? '' : '/') + request.url);
      for (const [key, value] of Object.entries(request.searchParams ?? {})) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item === undefined || item === null) continue;
          url.searchParams.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
        }
      }
      const hasBody = request.body !== undefined && request.body !== null;
      // The signal covers the whole exchange, the body's reading included.
      const response = await fetch(url, {
        method: request.method ?? 'GET',
        headers: {
          Accept: 'application/json',
          Authorization: authorization,
          // Jira wants it on a bodyless write too (jira.js sends it on every non-GET)
          ...(hasBody || !['GET', 'HEAD'].includes(request.method ?? 'GET')
            ? { 'Content-Type': 'application/json' }
            : {}),
          ...request.headers,
        },
        body: hasBody ? JSON.stringify(request.body) : undefined,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) {
        const retryAfter = Number(response.headers.get('retry-after'));
        throw new JiraHttpError(response.status, retryAfter > 0 ? retryAfter : undefined);
      }
      if (response.status === 204 || !text || !response.headers.get('content-type')?.includes('json'))
        return undefined as T;
      const data: unknown = JSON.parse(text);
      // Like jira.js's default (onSchemaMismatch 'warn', less the warning): a body the schema does
      // not describe (a field Jira added, a tenant's custom value) is returned as it came.
      const parsed = request.schema?.safeParse(data);
      return (parsed?.success ? parsed.data : data) as T;
    },
  };
}
