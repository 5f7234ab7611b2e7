// `node dist/src/main.js --help` prints every setting with its default and description and exits 0
// without starting anything (no database folder, no port).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvSchema } from '../../src/config';
import { buildHub } from '../support/hub-process';

const root = join(__dirname, '..', '..');

beforeAll(() => buildHub(), 120_000);

describe('npm start builds incrementally', () => {
  it('a second build with no source changed compiles nothing', () => {
    // `npm start` runs `npm run build` (tsc -b) first: after buildHub() the output is up to date
    const run = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json', '--verbose'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/is up to date/);
    expect(run.stdout).not.toMatch(/Building project/);
  });
});

describe('--help', () => {
  it('prints every setting with its default and exits 0 without starting the hub', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-help-'));
    const dataDir = join(dir, 'data');
    try {
      const run = spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), '--help'], {
        cwd: root,
        // a bad setting too: --help answers before the configuration is read
        env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: 'eighty' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status).toBe(0);
      const lines = run.stdout.split('\n');
      for (const name of Object.keys(EnvSchema.shape)) {
        const line = lines.find((l) => l.trim().startsWith(`${name} `));
        expect(line).toBeDefined();
        // a description beside the name
        expect(line!.trim().length).toBeGreaterThan(name.length + 10);
      }
      expect(lines.find((l) => l.trim().startsWith('PORT '))).toMatch(/\[default: 4000\]$/);
      expect(lines.find((l) => l.trim().startsWith('MAX_PAGE_SIZE '))).toMatch(/\[default: 100\]$/);
      expect(lines.find((l) => l.trim().startsWith('JIRA_PRIORITIES '))).toMatch(
        /\[default: P1=Highest,P2=High,P3=Medium,P4=Low\]$/,
      );
      // nothing started: no listening message, no embedded database created
      expect(run.stdout + run.stderr).not.toMatch(/listening|is up/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
