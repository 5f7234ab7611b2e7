// A hub running as a separate operating-system process (the built dist/), for tests about
// several processes and crashes. Build once per test file with buildHub().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export function buildHub(): void {
  const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
}

export interface HubProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote. */
  output(): string;
  /** SIGTERM and wait; or SIGKILL, as a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startHubProcess(
  env: Record<string, string>,
  startTimeoutMs = 30_000,
): Promise<HubProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left running (and writing, exporting…) after the test gave up on it
      reject(new Error(`hub process did not start: ${out}`));
    }, startTimeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`hub process exited with ${code}: ${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
