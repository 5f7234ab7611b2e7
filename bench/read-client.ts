// The read bench's load generator, in a process of its own (forked by bench/read.ts) so the
// client's work does not share the served process's CPU turn: autocannon POSTs one body for S
// seconds over N connections. The parent sends one run at a time and gets its figures back;
// 'stop' ends the process. Every response is checked: a status other than 2xx, a connection error
// or timeout, or a body other than `expected` (parsed JSON, compared whole) is counted, so no
// error counts as speed.
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';

export interface ReadRun {
  url: string;
  headers: Record<string, string>;
  body: string;
  seconds: number;
  connections: number;
  /** The JSON every response must hold. */
  expected: unknown;
}

export interface ReadFigures {
  requestsPerSecond: number;
  requests: number;
  /** Responses that were not 2xx, failed connections and timeouts, bodies not as expected. */
  failed: { non2xx: number; errors: number; mismatches: number };
}

function run(order: ReadRun): Promise<ReadFigures> {
  let answered = 0;
  let mismatches = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: order.url,
      connections: order.connections,
      duration: order.seconds,
      requests: [
        {
          method: 'POST',
          headers: order.headers,
          body: order.body,
          onResponse: (_status, body) => {
            answered += 1;
            try {
              if (!isDeepStrictEqual(JSON.parse(body), order.expected)) mismatches += 1;
            } catch {
              mismatches += 1;
            }
          },
        },
      ],
    });
    instance.on('error', reject);
    instance.on('done', (result) => {
      const seconds = (performance.now() - started) / 1000;
      resolve({
        requestsPerSecond: answered / seconds,
        requests: answered,
        failed: { non2xx: result.non2xx, errors: result.errors + result.timeouts, mismatches },
      });
    });
  });
}

process.on('message', (message: ReadRun | 'stop') => {
  if (message === 'stop') process.exit(0);
  void run(message).then((figures) => process.send!(figures));
});
