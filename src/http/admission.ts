// Admission (issue 14): the requests that do database work (/graphql, /webhooks, /export) are
// served MAX_REQUESTS_IN_FLIGHT at a time; the next MAX_REQUESTS_QUEUED wait their turn, first come
// first served, for up to REQUEST_QUEUE_TIMEOUT_MS. The hub is one process on a few cores and a
// pool of DATABASE_POOL_SIZE connections: two hundred requests worked on at once all finish late
// (each statement waits behind all the others' for the pool and the CPU), while the same requests
// taken a few at a time finish in turn, and their waiting costs nothing but a socket. Past either
// bound a request is answered at once (or when its wait ends) 503 SERVICE_UNAVAILABLE with
// Retry-After, before anything of it was done, so a client may safely send it again. A client that
// hangs up while waiting leaves the queue. Health checks and metrics are not queued. On /graphql,
// identical queries waiting together share one execution (graphqlTurns).
//
// Our own few lines rather than p-limit or p-queue: the versions installed (dependencies of other
// packages) can neither bound the wait nor take a waiting request out of their queue.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { HttpErrorBody } from './http-errors';

export interface AdmissionLimits {
  /** Requests served at once. */
  readonly inFlight: number;
  /** Requests waiting their turn; one more is refused at once. */
  readonly queued: number;
  /** The longest wait for a turn. */
  readonly queueTimeoutMs: number;
}

/** Why a request was not admitted. */
export type Refusal = 'queue full' | 'waited too long';

/** Answered to a refused request: how long it should wait before sending it again. */
export const RETRY_AFTER_SECONDS = 2;

export const BUSY_MESSAGE = 'The hub is busy; retry shortly';
const BUSY_TEXT = 'the hub is busy; retry shortly';

interface Waiter {
  admit(): void;
}

export class Admission {
  private running = 0;
  /** Queries waiting with an identical one for its answer (graphqlAdmissionGate). */
  private following = 0;
  /** In arrival order; a Set, so a waiter that leaves early is removed at once. */
  private readonly waiting = new Set<Waiter>();
  private readonly counts = { admitted: 0, shared: 0, refused: { 'queue full': 0, 'waited too long': 0 } };

  constructor(readonly limits: AdmissionLimits) {}

  /** Requests being served now, and waiting. */
  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size + this.following;
  }

  /** Count one more request waiting for another's answer; false when the queue is full. */
  follow(): boolean {
    if (this.queued >= this.limits.queued) {
      this.refuse('queue full');
      return false;
    }
    this.following += 1;
    return true;
  }

  unfollow(): void {
    this.following -= 1;
  }

  /** Count a request answered with another's answer. */
  shared(): void {
    this.counts.shared += 1;
  }

  /** Requests admitted, answered with another's answer, and refused since the start (for metrics). */
  get totals(): { admitted: number; shared: number; refused: Readonly<Record<Refusal, number>> } {
    return {
      admitted: this.counts.admitted,
      shared: this.counts.shared,
      refused: { ...this.counts.refused },
    };
  }

  /**
   * Wait for a turn: answers a release function (call it once, when the request has ended) or the
   * reason it was refused. `gone` ends the wait early (the client hung up): it answers 'gone'.
   */
  enter(gone?: AbortSignal): Promise<(() => void) | Refusal | 'gone'> {
    if (gone?.aborted) return Promise.resolve('gone');
    if (this.running < this.limits.inFlight && this.waiting.size === 0) {
      return Promise.resolve(this.take());
    }
    if (this.queued >= this.limits.queued) return Promise.resolve(this.refuse('queue full'));
    return new Promise((resolve) => {
      const leave = (answer: Refusal | 'gone') => {
        clearTimeout(timer);
        gone?.removeEventListener('abort', onGone);
        this.waiting.delete(waiter);
        resolve(answer === 'gone' ? answer : this.refuse(answer));
      };
      const onGone = () => leave('gone');
      const timer = setTimeout(() => leave('waited too long'), this.limits.queueTimeoutMs);
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          gone?.removeEventListener('abort', onGone);
          resolve(this.take());
        },
      };
      gone?.addEventListener('abort', onGone, { once: true });
      this.waiting.add(waiter);
    });
  }

  private take(): () => void {
    this.running += 1;
    this.counts.admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.next();
    };
  }

  private next(): void {
    while (this.running < this.limits.inFlight && this.waiting.size > 0) {
      const [first] = this.waiting;
      this.waiting.delete(first);
      first.admit();
    }
  }

  /** Count a refusal (a query sharing a refused one's wait is refused with it). */
  refuse(reason: Refusal): Refusal {
    this.counts.refused[reason] += 1;
    return reason;
  }
}

/** A request as the gates see it: Express's, or one the plain-query path takes (plain-queries.ts). */
type Incoming = IncomingMessage & { log?: Logger; body?: unknown };

/**
 * Express middleware: a request goes on once admitted, and gives its turn back when its response
 * has ended (or its connection closed). A refusal is the hub's { error } answer.
 */
export function admissionGate(admission: Admission): RequestHandler {
  return (req, res, next) =>
    takeTurn(
      admission,
      req,
      res,
      'http',
      () => next(),
      () => undefined,
    );
}

/** Waits for a turn, then `run()`; `settled` hears how the wait ended. */
function takeTurn(
  admission: Admission,
  req: Incoming,
  res: ServerResponse,
  shape: 'graphql' | 'http',
  run: () => void,
  settled: (outcome: 'admitted' | Refusal | 'gone') => void,
): void {
  const hungUp = new AbortController();
  const onClose = () => hungUp.abort();
  res.once('close', onClose);
  void admission.enter(hungUp.signal).then((answer) => {
    if (answer === 'gone') {
      settled('gone');
      return;
    }
    res.off('close', onClose);
    if (typeof answer === 'function') {
      // admitted in the moment its client hung up: the turn goes to the next
      if (hungUp.signal.aborted) {
        answer();
        settled('gone');
        return;
      }
      res.once('close', answer);
      settled('admitted');
      run();
      return;
    }
    settled(answer);
    refuse(req, res, shape, answer);
  });
}

/** The answer of a query, as sent, for those that waited with it. */
interface Answer {
  status: number;
  headers: [string, string][];
  body: string | Buffer;
}

/** What a query that waited with an identical one gets: its answer, its refusal, or a turn of its own. */
type Shared = Answer | Refusal | 'own turn';

/** The headers of a GraphQL answer that belong to its content (the others are each request's own). */
const CONTENT_HEADERS = ['content-type', 'cache-control', 'etag'];

/**
 * /graphql's turns (both the plain-query path and Express's), which also share answers. Identical
 * queries (the same text, variables and operation name, Accept and Authorization: the same reader)
 * that wait for a turn together are answered by one execution: the first takes the turn, the
 * others wait with it and get a copy of its answer. Only queries waiting, never one already
 * running: its execution starts after every request that shares it arrived, so each still reads
 * every change made before it was sent (a client's own mutation included). Mutations and
 * subscriptions are never shared. Many dashboards polling the same view are served in turns without
 * each of them costing an execution. Call with the request's parsed body; `run` answers it.
 */
export function graphqlTurns(
  admission: Admission,
): (req: Incoming, res: ServerResponse, run: () => void) => void {
  const waiting = new Map<string, ((answer: Shared) => void)[]>();
  const ownTurn = (req: Incoming, res: ServerResponse, run: () => void) =>
    takeTurn(admission, req, res, 'graphql', run, () => undefined);
  return (req, res, run) => {
    const key = sharingKey(req);
    const followers = key === null ? undefined : waiting.get(key);
    if (key === null || (followers === undefined && admission.inFlight < admission.limits.inFlight)) {
      ownTurn(req, res, run);
      return;
    }
    if (followers) {
      if (!admission.follow()) {
        refuse(req, res, 'graphql', 'queue full');
        return;
      }
      const leave = () => {
        const at = followers.indexOf(follower);
        if (at >= 0) followers.splice(at, 1);
        admission.unfollow();
      };
      const follower = (answer: Shared) => {
        res.off('close', leave);
        admission.unfollow();
        if (answer === 'own turn') ownTurn(req, res, run);
        else if (typeof answer === 'string') refuse(req, res, 'graphql', admission.refuse(answer));
        else {
          admission.shared();
          res.statusCode = answer.status;
          for (const [name, value] of answer.headers) res.setHeader(name, value);
          res.setHeader('content-length', Buffer.byteLength(answer.body));
          res.end(answer.body);
        }
      };
      res.once('close', leave);
      followers.push(follower);
      return;
    }
    // the first of its kind to wait: others like it may join until it gets its turn
    const mine: ((answer: Shared) => void)[] = [];
    waiting.set(key, mine);
    let told = false;
    const tell = (answer: Shared) => {
      if (told) return;
      told = true;
      for (const follower of mine.splice(0)) follower(answer);
    };
    takeTurn(admission, req, res, 'graphql', run, (outcome) => {
      if (waiting.get(key) === mine) waiting.delete(key);
      if (outcome !== 'admitted') {
        tell(outcome === 'gone' ? 'own turn' : outcome);
        return;
      }
      // the answer as the path writes it, before compression (installed earlier) encodes it
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const [chunk, encoding] = args;
        const body =
          typeof chunk === 'string'
            ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
            : Buffer.isBuffer(chunk)
              ? chunk
              : null;
        tell(
          body && !res.getHeader('transfer-encoding')
            ? { status: res.statusCode, headers: contentHeaders(res), body }
            : 'own turn',
        );
        return end(...args);
      }) as typeof res.end;
      // answered some other way (streamed, or cut off): the others take turns of their own
      res.once('close', () => tell('own turn'));
    });
  };
}

function contentHeaders(res: ServerResponse): [string, string][] {
  const headers: [string, string][] = [];
  for (const name of CONTENT_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') headers.push([name, value]);
  }
  return headers;
}

/** What makes two GraphQL requests the same read; null: not one that may be shared. */
function sharingKey(req: Incoming): string | null {
  if (req.method !== 'POST') return null;
  const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
  // a mutation or subscription must say so: a text without either word is only queries
  if (typeof body?.query !== 'string' || /\b(mutation|subscription)\b/.test(body.query)) return null;
  return JSON.stringify([
    req.headers.authorization ?? null,
    req.headers.accept ?? null,
    body.query,
    body.variables ?? null,
    body.operationName ?? null,
  ]);
}

function refuse(req: Incoming, res: ServerResponse, shape: 'graphql' | 'http', reason: Refusal): void {
  req.log?.warn({ reason }, 'request refused: the hub is busy');
  const body =
    shape === 'graphql'
      ? {
          errors: [
            {
              message: BUSY_MESSAGE,
              extensions: {
                code: 'SERVICE_UNAVAILABLE',
                retryable: true,
                retryAfterSeconds: RETRY_AFTER_SECONDS,
              },
            },
          ],
        }
      : ({ error: { code: 'SERVICE_UNAVAILABLE', message: BUSY_TEXT } } satisfies HttpErrorBody);
  const text = JSON.stringify(body);
  res.statusCode = 503;
  res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
