// A graphql-ws client for tests (the same library dashboards use), collecting what arrives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

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

export function collect<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Collected<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) values.push(result.data as T);
        waiters.forEach((w) => w());
      },
      error: (err) => {
        errors.push(err);
        waiters.forEach((w) => w());
      },
      complete: () => undefined,
    },
  );
  return {
    values,
    errors,
    unsubscribe,
    waitFor(count, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (values.length >= count) {
            clearTimeout(timer);
            resolve(values);
          }
        };
        const timer = setTimeout(
          () =>
            reject(new Error(`expected ${count} events, got ${values.length}: ${JSON.stringify(errors)}`)),
          ms,
        );
        waiters.push(check);
        check();
      });
    },
  };
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
