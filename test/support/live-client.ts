// A graphql-ws client for tests (the same library dashboards use), collecting what arrives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Operation } from './operations';
import { waitFor } from './wait-for';

export interface Collected<T> {
  readonly values: T[];
  readonly errors: unknown[];
  /** Resolves once `count` values have arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<T[]>;
  unsubscribe(): void;
}

export function liveClient(
  httpUrl: string,
  token: string | null,
  extra: Partial<Parameters<typeof createClient>[0]> = {},
): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    ...extra,
  });
}

/** Subscribes with a document (see operations.ts) and collects what arrives. */
export function collect<TData, TVariables>(
  client: Client,
  query: Operation<TData, TVariables>,
  variables?: NoInfer<TVariables>,
): Collected<TData>;
export function collect<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Collected<T>;
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Collected<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) values.push(result.data as T);
      },
      error: (err) => {
        errors.push(err);
      },
      complete: () => undefined,
    },
  );
  return {
    values,
    errors,
    unsubscribe,
    async waitFor(count, ms = 5000) {
      await waitFor(
        `${count} events`,
        () => ({ values: values.length, errors: errors.map(describeError) }),
        (seen) => seen.values >= count,
        { timeoutMs: ms, intervalMs: 10 },
      );
      return values;
    },
  };
}

/** An error or close event, readable in a failure message (both serialize to {} as JSON). */
function describeError(err: unknown): unknown {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'code' in err) {
    const { code, reason } = err as { code: unknown; reason?: unknown };
    return `closed: ${String(code)} ${String(reason ?? '')}`.trim();
  }
  return err;
}

/** Waits until the client has acknowledged its connection. */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      offClosed();
      resolve();
    });
    const offClosed = client.on('closed', (event) => {
      offConnected();
      offClosed();
      reject(event);
    });
  });
}
