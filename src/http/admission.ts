// Admission (issue 14): the requests that do database work (/graphql, /webhooks, /export) are
// served MAX_REQUESTS_IN_FLIGHT at a time; the next MAX_REQUESTS_QUEUED wait their turn, first come
// first served, for up to REQUEST_QUEUE_TIMEOUT_MS. The hub is one process on a few cores and a
// pool of DATABASE_POOL_SIZE connections: two hundred requests worked on at once all finish late
// (each statement waits behind all the others' for the pool and the CPU), while the same requests
// taken a few at a time finish in turn, and their waiting costs nothing but a socket. Past either
// bound a request is answered at once (or when its wait ends) 503 SERVICE_UNAVAILABLE with
// Retry-After, before anything of it was read or done, so a client may safely send it again.
// A client that hangs up while waiting leaves the queue. Health checks and metrics are not queued.
//
// Our own few lines rather than p-limit or p-queue: the versions installed (dependencies of other
// packages) can neither bound the wait nor take a waiting request out of their queue.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
  /** In arrival order; a Set, so a waiter that leaves early is removed at once. */
  private readonly waiting = new Set<Waiter>();
  private readonly counts = { admitted: 0, refused: { 'queue full': 0, 'waited too long': 0 } };

  constructor(readonly limits: AdmissionLimits) {}

  /** Requests being served now, and waiting. */
  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** Requests admitted and refused since the start (for metrics and tests). */
  get totals(): { admitted: number; refused: Readonly<Record<Refusal, number>> } {
    return { admitted: this.counts.admitted, refused: { ...this.counts.refused } };
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
    if (this.waiting.size >= this.limits.queued) return Promise.resolve(this.refuse('queue full'));
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

  private refuse(reason: Refusal): Refusal {
    this.counts.refused[reason] += 1;
    return reason;
  }
}

/**
 * Express middleware: a request goes on once admitted, and gives its turn back when its response
 * has ended (or its connection closed). `shape` says how a refusal is written: a GraphQL answer on
 * /graphql, the hub's { error } elsewhere.
 */
export function admissionGate(admission: Admission, shape: 'graphql' | 'http'): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const hungUp = new AbortController();
    const onClose = () => hungUp.abort();
    res.once('close', onClose);
    void admission.enter(hungUp.signal).then((answer) => {
      if (answer === 'gone') return;
      if (typeof answer === 'function') {
        res.off('close', onClose);
        // admitted in the moment its client hung up: the turn goes to the next
        if (hungUp.signal.aborted) {
          answer();
          return;
        }
        res.once('close', answer);
        next();
        return;
      }
      res.off('close', onClose);
      refuse(req, res, shape, answer);
    });
  };
}

function refuse(req: Request, res: Response, shape: 'graphql' | 'http', reason: Refusal): void {
  req.log?.warn({ reason }, 'request refused: the hub is busy');
  res.status(503).setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  if (shape === 'graphql') {
    res.json({
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
    });
  } else {
    res.json({ error: { code: 'SERVICE_UNAVAILABLE', message: BUSY_TEXT } } satisfies HttpErrorBody);
  }
}
