// The Node.js the hub runs on is the one package.json declares (`engines`), whatever Node the
// machine has: the project brings its runtime as the npm registry's `node` package (a
// devDependency), and npm puts node_modules/.bin first on PATH for `npm start`, `npm test` and every
// other script. So the tests, the processes they start and a script's `node` are that runtime;
// a machine whose own Node is older (20) runs the two commands on it all the same.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const brought = pkg.devDependencies.node;

describe('runtime', () => {
  it('the runtime the project brings is exact, declared by engines, and allowed to install', () => {
    expect(semver.valid(brought)).toBe(brought); // an exact version, as the lock file holds it
    expect(semver.satisfies(brought!, pkg.engines.node)).toBe(true);
    // its preinstall script fetches the binary; npm skips scripts that allowScripts does not name
    expect(pkg.allowScripts?.node).toBe(true);
  });

  it('runs the tests', () => {
    expect(process.versions.node).toBe(brought);
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('is the `node` of npm scripts (npm start, chaos, bench, walk) and of child processes', () => {
    // npm scripts call `node` by name: the PATH npm gave this test resolves it to the same runtime
    const byName = spawnSync('node', ['-p', 'process.versions.node'], { cwd: root, encoding: 'utf8' });
    expect(byName.stdout.trim()).toBe(brought);
    // the hub, workers and bench clients are started with process.execPath (or fork, which uses it)
    const child = spawnSync(process.execPath, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe(brought);
  });
});
