// The repository must work when cloned alone: nothing may load files from a `shared/` folder beside
// it (the vendor contracts live in test/support/contracts, the docs in docs/). Cheap guard: read every
// file under the code and doc folders and refuse references to such a folder.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const scanned = [
  'src',
  'test',
  'scripts',
  'bench',
  'migrations',
  'public',
  'docs',
  '.ci',
  'README.md',
  'package.json',
];
// Built from pieces so that this file does not match itself.
const forbidden = [
  ['..', 'shared'].join('/'),
  ['shared', 'contracts'].join('/'),
  ['shared', 'docs'].join('/'),
];

function filesUnder(entry: string): string[] {
  const full = path.join(root, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [full];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules')
    .flatMap((e) => filesUnder(path.join(entry, e.name)));
}

describe('self-contained repository', () => {
  it('keeps the vendor contracts in the repository', () => {
    for (const file of ['slack', 'jira', 'opsgenie', 'zendesk', 'statuspage']) {
      expect(fs.existsSync(path.join(root, 'test/support/contracts', `${file}.json`))).toBe(true);
    }
    expect(fs.readdirSync(path.join(root, 'test/support/contracts/specs')).length).toBeGreaterThan(0);
  });

  it('refers to no shared folder outside the repository', () => {
    const offenders: string[] = [];
    for (const file of scanned.flatMap(filesUnder)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const needle of forbidden) {
        if (text.includes(needle)) offenders.push(`${path.relative(root, file)}: ${needle}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
