// A TCP relay in front of PostgreSQL that a test can take down (ECONNREFUSED), bring back, or
// pause: while paused it accepts connections and bytes but forwards and answers nothing, which is
// what a server stopped by SIGSTOP looks like to its clients; resumed, what it held goes through.
import { createServer, Socket, type Server } from 'node:net';

export class DatabaseRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private paused = false;
  private held: { to: Socket; chunk: Buffer }[] = [];
  port = 0;
  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    if (this.server?.listening) return;
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    if (!this.server?.listening) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.held = [];
    await closed;
  }

  /** Hold every byte from now on, in both directions (connections are still accepted). */
  pause(): void {
    this.paused = true;
  }

  /** Deliver what was held, in order, and forward again. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const { to, chunk } of held) if (!to.destroyed) to.write(chunk);
  }

  url(): string {
    const url = new URL(this.target.toString());
    url.host = `127.0.0.1:${this.port}`;
    return url.toString();
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.paused) this.held.push({ to, chunk });
      else to.write(chunk);
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
  }
}
