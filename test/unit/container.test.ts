// The container files, checked without a Docker engine (none here nor in CI): the Dockerfile is
// linted by dockerfile-utils and docker-compose.yml by dclint, with nothing found; then their
// structure is held to what the hub needs: a multi-stage build whose final stage runs the compiled
// hub as a non-root user with production dependencies, copies every file the hub reads at run time
// and checks /healthz; a compose file whose hub waits for a healthy PostgreSQL and sets only real
// settings. What no test here proves: that the image builds and starts (that needs an engine).
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { DCLinter as DCLinterClass } from 'dclint' with { 'resolution-mode': 'import' };
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { EnvSchema } from '../../src/config';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

// ---- the Dockerfile, as stages of instructions ----

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions (continuation lines joined, comments and parser directives dropped) by stage. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { keyword: keyword!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [, image, name] = /^(?:--\S+ )*(\S+)(?: AS (\S+))?$/i.exec(instruction.args)!;
      stages.push({ image: image!, name: name?.toLowerCase(), instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${instruction.keyword} before the first FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}
function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(' ');
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from: from?.toLowerCase(), sources: paths.slice(0, -1), destination: paths.at(-1)! };
    });
}
const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

const dockerfile = read('Dockerfile');
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;
const workdir = (stage: Stage) => all(stage, 'WORKDIR').at(-1) ?? '/';
const atWorkdir = (stage: Stage, p: string) => path.posix.resolve(workdir(stage), p);

/** What `tsc -b tsconfig.build.json` compiles (its include) and where (outDir, rootDir). */
const tsconfig = JSON.parse(read('tsconfig.json')) as {
  compilerOptions: { outDir: string; rootDir: string };
};
const buildConfig = JSON.parse(read('tsconfig.build.json')) as { extends: string; include: string[] };

/** The TypeScript sources under these folders of the repository, with their text. */
function* sources(...dirs: string[]): Generator<[file: string, text: string]> {
  for (const dir of dirs)
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }))
      if (file.endsWith('.ts')) yield [file, fs.readFileSync(path.join(root, dir, file), 'utf8')];
}

/** The files and folders of the package root that src/ reads at run time (packageRoot()). */
function runtimeReads(): Set<string> {
  const names = new Set<string>();
  for (const [, text] of sources('src'))
    for (const m of text.matchAll(/join\(\s*(?:root|packageRoot\(\))\s*,\s*'([^']+)'/g)) names.add(m[1]!);
  return names;
}

describe('Dockerfile', () => {
  it('has no problem that dockerfile-utils reports, and the linter does report a broken file', () => {
    expect(validate(dockerfile)).toEqual([]);
    // The same file broken twice (a duration without unit, two stages named alike) is rejected.
    const broken = dockerfile.replace('--interval=30s', '--interval=30').replace('AS runtime', 'AS build');
    const problems = validate(broken, { instructionHealthcheckMultiple: ValidationSeverity.ERROR });
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining(['duplicate name build', 'time: missing unit in duration 30']),
    );
  });

  it('builds in one stage and runs in another, from the Node the repository targets', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(final).not.toBe(build);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const major = /(\d+)/.exec(engines)![1];
    for (const stage of stages) expect(stage.image).toMatch(new RegExp(`^node:${major}[-.]`));
    expect(all(build, 'RUN')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']),
    );
  });

  it('runs the compiled hub as a non-root user, in production, with production dependencies only', () => {
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(all(final, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);

    const runs = all(final, 'RUN').join(' && ');
    for (const npmCi of runs.match(/npm ci[^&]*/g) ?? []) expect(npmCi).toMatch(/--omit=dev\b/);
    expect(runs).not.toMatch(/npm (install|i)\b/);

    const [cmd] = all(final, 'CMD');
    const argv = JSON.parse(cmd!) as string[]; // exec form: node is PID 1 and gets SIGTERM itself
    expect(argv[0]).toBe('node');
    expect(argv).not.toContain('npm');
    expect(argv.at(-1)).toBe(`${tsconfig.compilerOptions.outDir}/src/main.js`);
    expect(fs.existsSync(path.join(root, 'src', 'main.ts'))).toBe(true);
    for (const i of final.instructions) expect(i.args).not.toMatch(/npm (start|run)\b/);

    // The port the hub listens on by default is the one exposed.
    expect(all(final, 'EXPOSE')).toEqual([String(EnvSchema.shape.PORT.parse(undefined))]);
  });

  it('checks /healthz with node itself', () => {
    const [healthcheck, ...more] = all(final, 'HEALTHCHECK');
    expect(more).toEqual([]);
    const command = /\bCMD (\[.*\])$/.exec(healthcheck!)![1]!;
    const argv = JSON.parse(command) as string[];
    expect(argv[0]).toBe('node');
    expect(argv.join(' ')).toContain('/healthz');
    expect(read('src/http/server.ts')).toContain("app.get('/healthz'");
  });

  it('copies only from earlier stages, and only paths that exist in the repository or the build output', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    stages.forEach((stage, index) => {
      for (const copy of copies(stage)) {
        if (copy.from === undefined) {
          // From the build context: present in the repository and not left out by .dockerignore.
          for (const source of copy.sources.filter((s) => s !== '.')) {
            expect(fs.existsSync(path.join(root, source))).toBe(true);
            expect(ignored).not.toContain(source.split('/')[0]);
          }
          continue;
        }
        const earlier = stages.slice(0, index).map((s) => s.name);
        expect(earlier).toContain(copy.from);
        const from = stages.find((s) => s.name === copy.from)!;
        for (const source of copy.sources) {
          // tsc writes <rootDir>/<dir>/x.ts to <outDir>/<dir>/x.js in the build stage's WORKDIR.
          const outDir = atWorkdir(from, tsconfig.compilerOptions.outDir);
          expect(tsconfig.compilerOptions.rootDir).toBe('.');
          expect(source.startsWith(outDir + '/')).toBe(true);
          const compiled = path.posix.relative(outDir, source).split('/')[0]!;
          expect(buildConfig.include).toContain(compiled);
          expect(fs.existsSync(path.join(root, compiled))).toBe(true);
        }
      }
    });
    // The build stage has the whole context (minus .dockerignore) to compile.
    expect(copies(build).some((c) => c.sources.includes('.'))).toBe(true);
    for (const needed of [
      'src',
      'migrations',
      'scripts',
      'bench',
      'test',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      expect(ignored).not.toContain(needed);
  });

  it('puts every file the hub reads at run time in the final stage, at the package root', () => {
    const reads = runtimeReads();
    expect([...reads].sort()).toEqual(expect.arrayContaining(['package.json', 'public', 'templates']));
    // Where each copied path lands, relative to the WORKDIR (the package root: it holds package.json).
    const target = (c: Copy, source: string) =>
      c.destination.endsWith('/')
        ? path.posix.join(c.destination, path.posix.basename(source))
        : c.destination;
    const copied = new Set(
      copies(final).flatMap((c) =>
        c.sources.map((s) => path.posix.relative(workdir(final), atWorkdir(final, target(c, s)))),
      ),
    );
    for (const name of reads) expect(copied).toContain(name);
    // The compiled hub and its migrations (src/database imports ../../migrations).
    expect([...copied]).toEqual(expect.arrayContaining(['dist/src', 'dist/migrations']));
  });
});

describe('the production dependencies', () => {
  it('hold every package the compiled hub and its migrations load (the image has no others)', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const loaded = new Map<string, string>(); // package -> first file loading it
    for (const [file, text] of sources('src', 'migrations')) {
      // Value imports (not `import type`), side-effect imports, require(.resolve) and import().
      const specifiers = text.matchAll(
        /^\s*import\s+(?!type\b)[^;]*?from\s+'([^'.][^']*)'|^\s*import\s+'([^'.][^']*)'|\brequire(?:\.resolve)?\(\s*'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'/gms,
      );
      for (const m of specifiers) {
        const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
        const parts = spec.split('/');
        const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
        if (!builtins.has(name.replace(/^node:/, '')) && !loaded.has(name)) loaded.set(name, file);
      }
    }
    expect([...loaded.keys()]).toEqual(
      expect.arrayContaining(['express', 'typeorm', 'pg', '@apollo/server']),
    );
    const missing = [...loaded].filter(([name]) => !(name in pkg.dependencies));
    expect(missing).toEqual([]);
  });
});

// ---- docker-compose.yml ----

interface ComposeService {
  image?: string;
  build?: string | { context: string; args?: Record<string, string> };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
}
// dclint ships CommonJS beside its ES module (its types are the module's): required as CommonJS,
// with the YAML parser dclint itself uses (its dependency, resolved from dclint's own folder).
const { DCLinter } = createRequire(__filename)('dclint') as { DCLinter: typeof DCLinterClass };
const yaml = createRequire(require.resolve('dclint'))('yaml') as {
  parse(text: string): unknown;
};
const compose = yaml.parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const [hubName, hub] = services.find(([, s]) => s.build !== undefined)!;
const [dbName, db] = services.find(([, s]) => /^postgres:\d+/.test(s.image ?? ''))!;

describe('docker-compose.yml', () => {
  const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });

  it('has no error or warning that dclint reports, and dclint does report a broken file', () => {
    const [result] = linter.lintFiles([path.join(root, 'docker-compose.yml')], false);
    expect(result!.messages).toEqual([]);

    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compose-')), 'compose.yml');
    fs.writeFileSync(broken, read('docker-compose.yml').replace("- '127.0.0.1:4000:4000'", '- 4000:4000'));
    const [bad] = linter.lintFiles([broken], false);
    expect(bad!.messages.map((m: { rule: string }) => m.rule)).toEqual(
      expect.arrayContaining(['no-unbound-port-interfaces', 'require-quotes-in-ports']),
    );
    fs.rmSync(path.dirname(broken), { recursive: true });
  });

  it('starts the hub once PostgreSQL (15, on a named volume) answers', () => {
    expect(db.image).toBe('postgres:15');
    expect(hub.depends_on?.[dbName]).toEqual({ condition: 'service_healthy' });
    expect(db.healthcheck?.test.join(' ')).toContain('pg_isready');
    const [volume] = db.volumes ?? [];
    expect(volume).toMatch(/^[a-z][\w-]*:\/var\/lib\/postgresql\/data$/);
    expect(Object.keys(compose.volumes ?? {})).toContain(volume!.split(':')[0]);
  });

  it('checks the hub’s health (its own healthcheck or the image’s)', () => {
    expect(hub.healthcheck !== undefined || all(final, 'HEALTHCHECK').length === 1).toBe(true);
  });

  it('sets only real settings, with the database URL pointing at its PostgreSQL and ADMIN_TOKEN required', () => {
    const env = hub.environment ?? {};
    const settings = Object.keys(EnvSchema.shape);
    for (const name of Object.keys(env)) expect(settings).toContain(name);

    const url = new URL(env.DATABASE_URL!);
    const dbEnv = db.environment ?? {};
    expect(url.hostname).toBe(dbName);
    expect(decodeURIComponent(url.username)).toBe(dbEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(dbEnv.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${dbEnv.POSTGRES_DB}`);
    expect(env.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?.+\}$/);

    // The hub's port, published on this machine only, and the build arguments the Dockerfile takes.
    expect(hub.ports).toEqual([`127.0.0.1:4000:${all(final, 'EXPOSE')[0]}`]);
    const args = typeof hub.build === 'object' ? Object.keys(hub.build.args ?? {}) : [];
    const declared = stages.flatMap((s) => all(s, 'ARG').map((a) => a.split('=')[0]));
    for (const arg of args) expect(declared).toContain(arg);
    expect(hubName).toBe('hub');
  });
});
