// Two hub processes on one PostgreSQL server: a change made through process B reaches a
// subscriber of process A (this jest process) through LISTEN/NOTIFY. Needs a PostgreSQL server,
// since the embedded database belongs to a single process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { collect, liveClient } from '../support/live-client';
import { findTestServer } from '../support/test-database';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';

const root = join(__dirname, '..', '..');

const server = findTestServer();
if (!server) {
  process.stdout.write(
    'two-process test skipped: no PostgreSQL server (set TEST_DATABASE_URL, or run one on 127.0.0.1:5432)\n',
  );
}
const describeWithServer = server ? describe : describe.skip;

let t: TestHub;
let b: ChildProcess;
let bUrl: string;

beforeAll(async () => {
  if (!server) return;
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  t = await startTestHub({}, { serverUrl: server });
  b = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: t.database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`process B did not start: ${out}`)), 30_000);
    b.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    b.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    b.once('exit', (code) => reject(new Error(`process B exited with ${code}: ${out}`)));
  });
}, 120_000);

afterAll(async () => {
  if (b && b.exitCode === null) {
    const exited = new Promise((resolve) => b.once('exit', resolve));
    b.kill('SIGTERM');
    await exited;
  }
  await t?.close();
});

describeWithServer('two hub processes on one PostgreSQL', () => {
  it('deliver a change made through process B to a subscriber of process A within a second', async () => {
    expect(b.pid).not.toBe(process.pid);
    const client = liveClient(t.url, t.tokens.viewer);
    const events = collect<{ incidentChanged: { key: string; stage: string } }>(
      client,
      'subscription { incidentChanged { key stage } }',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${bUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.manager}` },
        body: JSON.stringify({
          query: 'mutation ($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }',
          variables: { input: declaration() },
        }),
      });
      const body = (await res.json()) as { data: { declareIncident: { key: string } } };
      const committedAt = Date.now();
      const [event] = (await events.waitFor(i + 1, 1000)).slice(i);
      delays.push(Date.now() - committedAt);
      expect(event.incidentChanged).toEqual({ key: body.data.declareIncident.key, stage: 'ACKNOWLEDGED' });
    }
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(events.values).toHaveLength(5);
    await client.dispose();
  });
});
