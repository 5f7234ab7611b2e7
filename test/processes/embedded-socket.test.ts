// Issue 14, item 9: the embedded database must not listen on an unauthenticated TCP port (any
// local user could connect as superuser and read api_token). It listens on a Unix socket in a
// directory inside DATA_DIR that only the hub's user may enter (mode 0700): the process opens no
// TCP listener but its HTTP port, another user cannot connect, and the hub itself still works.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { DECLARE_INCIDENT } from '../support/operations';

const dataDir = mkdtempSync(join(tmpdir(), 'incident-hub-'));
let hub: Hub;
let url: string;
beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  hub = await createHub(config, { log: createLogger('silent') });
  url = await hub.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await hub?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The ports of the TCP sockets this process listens on (Linux: /proc/net/tcp* by inode). */
function listeningPorts(): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Where the hub's database URL points: a socket file, or host and port. */
function target(): { path: string } | { host: string; port: number } {
  const parsed = new URL(hub.database.url);
  const socketDir = parsed.searchParams.get('host');
  if (socketDir) return { path: join(socketDir, `.s.PGSQL.${parsed.port || 5432}`) };
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

async function gql(token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('item 9: the embedded database is not open to other local users', () => {
  (process.platform === 'linux' ? it : it.skip)('opens no TCP listener but the HTTP port', () => {
    expect(listeningPorts()).toEqual([Number(new URL(url).port)]);
  });

  it('listens on a Unix socket in a directory inside DATA_DIR with mode 0700', () => {
    const where = target();
    expect(where).toHaveProperty('path');
    const { path } = where as { path: string };
    expect(path.startsWith(`${dataDir}/`)).toBe(true);
    expect(statSync(path).isSocket()).toBe(true);
    const dir = join(path, '..');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  // Root may enter any directory; another user is what the issue is about.
  (process.getuid?.() === 0 ? it : it.skip)('refuses a connection from another local user', () => {
    const probe = spawnSync(
      nodeFor(NOBODY),
      [
        '-e',
        `const s = require('node:net').connect(${JSON.stringify(target())});
         s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
         s.on('error', (e) => { console.log(e.code); process.exit(1); });`,
      ],
      { ...NOBODY, encoding: 'utf8', timeout: 5000, cwd: '/' },
    );
    expect(probe.error).toBeUndefined();
    expect(probe.stdout.trim()).toBe('EACCES');
  });

  it('still serves queries and mutations', async () => {
    const token = hub.generatedAdminToken!;
    const COUNT = '{ incidents(first: 1) { totalCount } }';
    const before = (await gql(token, COUNT)) as { data: { incidents: { totalCount: number } } };
    expect(before.data.incidents.totalCount).toBeGreaterThan(0); // the demo data
    const declared = await gql(token, DECLARE_INCIDENT, {
      input: {
        summary: 'over the socket',
        clientImpactLevel: 'MINOR',
        clientUrgencyLevel: 'LOW',
        affectedClientSlugs: ['wakefern'],
      },
    });
    expect(declared.errors).toBeUndefined();
    expect(await gql(token, COUNT)).toEqual({
      data: { incidents: { totalCount: before.data.incidents.totalCount + 1 } },
    });
  });
});

/** The other local user of the test (nobody). */
const NOBODY = { uid: 65534, gid: 65534 };

/**
 * A Node.js binary that `user` may run, for the probe. The project's own (process.execPath, from
 * the npm `node` package) lies inside the checkout, which another user may not be allowed to enter
 * (CI clones into a private temporary folder); the machine's Node serves the probe as well.
 */
function nodeFor(user: { uid: number; gid: number }): string {
  const candidates = [process.execPath, '/usr/bin/node', '/usr/local/bin/node', '/bin/node'];
  const runnable = candidates.find(
    (bin) => spawnSync(bin, ['-e', '0'], { ...user, timeout: 5000, cwd: '/' }).status === 0,
  );
  if (!runnable)
    throw new Error(`no Node.js binary that uid ${user.uid} may run among ${candidates.join(', ')}`);
  return runnable;
}
