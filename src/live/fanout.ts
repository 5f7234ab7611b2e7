// Fan-out of subscription results to WebSockets, so a change costs the same whatever the number of
// subscribers. Subscriptions that ask the same thing (the same operation text, operation name and
// variables, under the same access) form one group: each change is executed once per group
// (graphql-js `subscribe` with the first member's context) and its result serialised once; each
// member's `next` message is that text with the member's subscription id spliced in, written to
// its socket directly (graphql-ws would serialise the result again for every subscription).
// Nothing waits on a socket: a socket holding more than `maxBufferedBytes` unsent (a client that
// stopped reading) is cut at once (a close frame would queue behind what it does not read), and
// the other members are sent to in the same pass. A group's events go out in the order they
// come, one at a time, so no member sees them reordered.
import { type ExecutionArgs, type ExecutionResult, subscribe } from 'graphql';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/** What a member of a group stands for: one subscription (id) on one socket. */
export interface FanOutTicket {
  socket: WebSocket;
  /** The subscription id the client chose (graphql-ws `subscribe` message). */
  id: string;
  /** Subscriptions with equal keys get equal results (see websocket.ts, groupKey). */
  key: string;
}

export interface FanOutOptions {
  /** Unsent bytes a socket may hold before it is cut (WS_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /** A result as it goes to the client: errors formatted, the size ceiling applied. */
  prepare: (result: ExecutionResult) => unknown;
  log: Logger;
  /** Told how many subscriptions share each group's one topic listener (pubsub.listenerCount). */
  shared?: (delta: number) => void;
}

/** Figures for tests and /metrics: counts, never times. */
export interface FanOutStats {
  /** Results serialised: one per group per event, whatever the number of members. */
  serialised: number;
  /** `next` messages written to sockets. */
  sent: number;
  /** Sockets cut because they held more than the buffer bound unsent. */
  dropped: number;
}

const TAIL = Buffer.from('}');

class Member implements AsyncGenerator<never, undefined> {
  /** `{"id":<id>,"type":"next","payload":` */
  readonly head: Buffer;
  private waiting: {
    resolve: (r: IteratorResult<never, undefined>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  private ended: { error?: unknown } | null = null;

  constructor(
    readonly socket: WebSocket,
    id: string,
    private readonly onReturn: (member: Member) => void,
  ) {
    this.head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  // graphql-ws iterates this to keep the subscription open; the group sends its results directly,
  // so it yields nothing and ends when the group's stream does (completed or failed).
  next(): Promise<IteratorResult<never, undefined>> {
    if (this.ended) return this.settled();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The client completed the subscription or the socket closed. */
  return(): Promise<IteratorResult<never, undefined>> {
    if (!this.ended) {
      this.end();
      this.onReturn(this);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error: unknown): Promise<IteratorResult<never, undefined>> {
    return this.return().then(() => Promise.reject(error));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** The group's stream ended: with an error, graphql-ws sends it as the subscription's error. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = error === undefined ? {} : { error };
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) this.settled().then(waiting.resolve, waiting.reject);
  }

  private settled(): Promise<IteratorResult<never, undefined>> {
    return this.ended && 'error' in this.ended
      ? Promise.reject(this.ended.error)
      : Promise.resolve({ done: true, value: undefined });
  }
}

class Group {
  readonly members = new Set<Member>();
  /** Whether the stream is pulled, so its topic listener is attached. */
  listening = false;
  /** What this group adds to pubsub.listenerCount beyond its one listener: members - 1. */
  shared = 0;

  constructor(
    readonly key: string,
    readonly stream: AsyncIterator<ExecutionResult>,
  ) {}
}

export class FanOut {
  /** Groups by key: starting (only the promise) or started. */
  private readonly groups = new Map<string, { starting: Promise<Group | ExecutionResult>; group?: Group }>();
  readonly stats: FanOutStats = { serialised: 0, sent: 0, dropped: 0 };

  constructor(private readonly options: FanOutOptions) {}

  /** Groups open now (distinct subscriptions). */
  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * graphql-ws's `subscribe`: joins the ticket's group (starting it on the first member) and
   * answers what graphql-ws iterates for this subscription, or the error result when the
   * subscription could not start (as graphql-js would answer it).
   */
  async subscribe(
    args: ExecutionArgs,
    ticket: FanOutTicket,
  ): Promise<AsyncGenerator<never> | ExecutionResult> {
    let entry = this.groups.get(ticket.key);
    if (!entry) {
      const created: { starting: Promise<Group | ExecutionResult>; group?: Group } = {
        starting: this.start(ticket.key, args).then((started) => {
          if (started instanceof Group) created.group = started;
          else if (this.groups.get(ticket.key) === created) this.groups.delete(ticket.key);
          return started;
        }),
      };
      entry = created;
      this.groups.set(ticket.key, entry);
    }
    const group = await entry.starting;
    if (!(group instanceof Group)) return group;
    // It ended (its last member left, or its stream did) while this one waited: start another.
    if (this.groups.get(ticket.key) !== entry) return this.subscribe(args, ticket);
    const member = new Member(ticket.socket, ticket.id, (m) => this.leave(group, m));
    group.members.add(member);
    this.share(group);
    return member;
  }

  private async start(key: string, args: ExecutionArgs): Promise<Group | ExecutionResult> {
    const result = await subscribe(args);
    if (!isAsyncIterator<ExecutionResult>(result)) return result;
    const group = new Group(key, result);
    void this.pump(group);
    return group;
  }

  /** Sends each result of the group's stream to every member, in order, one result at a time. */
  private async pump(group: Group): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        const next = group.stream.next();
        if (!group.listening) {
          group.listening = true; // the first pull attached the topic listener
          this.share(group);
        }
        const { done, value } = await next;
        if (done) break;
        if (!group.members.size) continue;
        const payload = Buffer.from(JSON.stringify(this.options.prepare(value)));
        this.stats.serialised += 1;
        // Each socket's frames of this result leave in one write: corked while the members are
        // sent to, uncorked after (100 subscriptions on a socket: 1 write instead of 100).
        const corked = new Set<Writable>();
        for (const member of group.members) this.send(member, payload, corked);
        for (const stream of corked) stream.uncork();
      }
    } catch (error) {
      failure = error ?? new Error('The subscription stream failed');
    } finally {
      this.forget(group);
      group.listening = false;
      this.share(group);
      for (const member of group.members) member.end(failure);
      group.members.clear();
    }
  }

  /** Removes the group from the map (synchronously: a later joiner starts a new one). */
  private forget(group: Group): void {
    if (this.groups.get(group.key)?.group === group) this.groups.delete(group.key);
  }

  /**
   * Writes one member's `next` message. A socket's unsent bytes are judged once per result, when
   * its first member is sent to (before it is corked): what this result adds is on its way.
   */
  private send(member: Member, payload: Buffer, corked: Set<Writable>): void {
    const { socket } = member;
    if (socket.readyState !== socket.OPEN) return;
    const stream = underlyingStream(socket);
    if (!stream || !corked.has(stream)) {
      if (socket.bufferedAmount > this.options.maxBufferedBytes) {
        this.stats.dropped += 1;
        this.options.log.info(
          { buffered: socket.bufferedAmount, limit: this.options.maxBufferedBytes },
          'websocket cut: it stopped reading (WS_MAX_BUFFERED_BYTES)',
        );
        socket.terminate();
        return;
      }
      if (stream) {
        stream.cork();
        corked.add(stream);
      }
    }
    socket.send(Buffer.concat([member.head, payload, TAIL]), { binary: false });
    this.stats.sent += 1;
  }

  private leave(group: Group, member: Member): void {
    if (!group.members.delete(member)) return;
    this.share(group);
    if (group.members.size) return;
    // the last member left: the group ends, and its topic listener with it
    this.forget(group);
    void group.stream.return?.();
  }

  /** Brings the group's share of pubsub.listenerCount up to date. */
  private share(group: Group): void {
    const shared = group.listening ? Math.max(0, group.members.size - 1) : 0;
    if (shared !== group.shared) this.options.shared?.(shared - group.shared);
    group.shared = shared;
  }
}

/**
 * The TCP stream under a ws socket (ws keeps it as `_socket` and corks it itself around each
 * frame's two writes; corks nest). Undefined if a ws version stops keeping it there: the frames
 * are then written one by one, as before.
 */
function underlyingStream(socket: WebSocket): Writable | undefined {
  const stream = (socket as unknown as { _socket?: Writable })._socket;
  return typeof stream?.cork === 'function' ? stream : undefined;
}

function isAsyncIterator<T>(value: unknown): value is AsyncIterator<T> & AsyncIterable<T> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}
