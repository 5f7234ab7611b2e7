// A private PostgreSQL 15 cluster for the chaos run: made with initdb in a temporary folder,
// listening only on a Unix socket there, so freezing and crashing it never touches the shared
// server other tests use. Run as the `postgres` user when this process is root (initdb refuses root).
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export class PrivatePostgres {
  private readonly dataDir: string;
  private readonly socketDir: string;
  private readonly asRoot = process.getuid?.() === 0;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.dataDir = join(dir, 'pgdata');
    this.socketDir = join(dir, 'socket');
  }

  /** postgres://… reaching the database `name` over the socket. */
  url(name = 'chaos'): string {
    return `postgres://postgres@localhost:${this.port}/${name}?host=${encodeURIComponent(this.socketDir)}`;
  }

  private async pg(tool: string, args: string[]): Promise<string> {
    const [cmd, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]]
      : [join(BIN, tool), args];
    const { stdout } = await run(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
    return stdout;
  }

  async init(): Promise<void> {
    mkdirSync(this.socketDir, { recursive: true });
    if (this.asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const { stdout: gid } = await run('id', ['-g', 'postgres'], { encoding: 'utf8' });
      for (const d of [this.dir, this.socketDir]) chownSync(d, Number(stdout), Number(gid));
    }
    await this.pg('initdb', ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await this.start();
    await this.pg('createdb', ['-h', this.socketDir, '-p', String(this.port), '-U', 'postgres', 'chaos']);
  }

  async start(): Promise<void> {
    await this.pg('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'postgres.log'),
      '-w',
      '-o',
      // no TCP at all; fsync off is safe here: only processes crash, never the machine
      `-p ${this.port} -k ${this.socketDir} -c listen_addresses= -c fsync=off -c max_connections=100`,
      'start',
    ]);
  }

  /** A crash: every backend killed at once, no checkpoint; the next start replays the WAL. */
  async stopImmediately(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }

  /** The postmaster and every process it started. */
  async pids(): Promise<number[]> {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)], {
      encoding: 'utf8',
    }).catch(() => ({ stdout: '' }));
    return [postmaster, ...stdout.split(/\s+/).filter(Boolean).map(Number)];
  }

  /** SIGSTOP the whole cluster for `ms`, then SIGCONT: a database that stops answering. */
  async freeze(ms: number): Promise<void> {
    const pids = await this.pids();
    const signal = (s: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(pid, s);
        } catch {
          // gone meanwhile
        }
      }
    };
    signal('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      signal('SIGCONT');
    }
  }
}
