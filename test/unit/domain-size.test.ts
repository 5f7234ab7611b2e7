// The domain stays readable: no file in src/domain over 400 lines and no function or method over
// 60 lines (a use case that grows past that is split into named steps).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../../src/domain');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function longFunctions(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText() ?? '(anonymous)';
      if (end - start + 1 > MAX_FUNCTION_LINES && name !== '(anonymous)') {
        found.push(`${relative(ROOT, path)}:${start + 1} ${name} (${end - start + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('domain size', () => {
  const all = files(ROOT);

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = all
      .map((f) => ({ f: relative(ROOT, f), n: readFileSync(f, 'utf8').split('\n').length }))
      .filter(({ n }) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`has no named function or method over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(all.flatMap(longFunctions)).toEqual([]);
  });
});
