// The part of autocannon's programmatic API the load run uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  interface Client {
    requestIterator: {
      context: Record<string, unknown>;
      initialContext: Record<string, unknown>;
      resetContext(): void;
    };
  }

  interface Options {
    url: string;
    connections: number;
    duration: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    requests?: (Request & {
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
    })[];
    setupClient?: (client: Client) => void;
  }

  interface Instance extends EventEmitter {
    on(
      event: 'response',
      listener: (client: Client, status: number, bytes: number, ms: number) => void,
    ): this;
    on(event: 'tick', listener: (counts: { counter: number; bytes: number }) => void): this;
    on(event: 'reqError', listener: (error: Error) => void): this;
    on(event: 'done', listener: (result: { timeouts: number; errors: number; non2xx: number }) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export = autocannon;
}
