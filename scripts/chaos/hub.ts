// The hub under test as a real process (dist/src/main.js), on a fixed port so clients keep their
// URL across restarts. kill() is kill -9; an exit nobody asked for is counted and restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

export class HubSupervisor {
  private child?: ChildProcess;
  private readonly log: WriteStream;
  private expectingExit = false;
  private stopped = false;
  /** Exits no kill asked for (a crash of the hub itself), with their code or signal. */
  readonly unexpectedExits: string[] = [];
  starts = 0;
  /** How long each start took until /readyz answered. */
  readonly startMs: number[] = [];

  constructor(
    private readonly env: Record<string, string>,
    readonly url: string,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until /readyz answers 200 (the database reached). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.stopped = false;
    this.expectingExit = false;
    this.starts += 1;
    this.log.write(`\n==== start ${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', 'src', 'main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      if (this.child !== child || this.expectingExit || this.stopped) return;
      this.unexpectedExits.push(`${code ?? signal} at ${new Date().toISOString()}`);
      this.log.write(`\n==== exited on its own (${code ?? signal}); restarting\n`);
      this.child = undefined;
      setTimeout(() => {
        if (!this.stopped && !this.child) void this.start(240_000).catch(() => undefined);
      }, 500);
    });
    const begun = Date.now();
    const deadline = begun + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child !== child) return; // restarted meanwhile
      if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode} while starting`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) {
          this.startMs.push(Date.now() - begun);
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the hub did not get ready within ${timeoutMs} ms`);
  }

  /** kill -9, and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.log.write(`\n==== killed (SIGKILL) at ${new Date().toISOString()}\n`);
  }

  /** SIGTERM (a clean stop), SIGKILL if it takes longer than 12 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}
