/**
 * The load pipeline is a library the CLI drives, not part of the CLI: nothing under src/load/
 * imports from src/cli/, directly or through another module it imports (the Reporter and the
 * summary table live in src/report/ for that reason).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LOAD = join(ROOT, 'src', 'load');
const CLI = join(ROOT, 'src', 'cli');

/** Relative module specifiers of `import … from`, `export … from` and `import('…')`, type-only ones included. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((match) => match[1] ?? '');
  return found.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

/** Every file reachable from `start` through relative imports, with the chain that reached it. */
function reachable(start: readonly string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(start.map((file) => [file, [file]]));
  const queue = [...start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const target of relativeImports(file)) {
      if (chains.has(target) || !existsSync(target)) continue;
      chains.set(target, [...(chains.get(file) ?? []), target]);
      queue.push(target);
    }
  }
  return chains;
}

describe('src/load', () => {
  it('imports nothing from src/cli, directly or transitively', () => {
    const files = readdirSync(LOAD)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(LOAD, name));
    expect(files.length).toBeGreaterThan(5);
    const offending = [...reachable(files)]
      .filter(([file]) => file.startsWith(CLI + '/'))
      .map(([, chain]) => chain.map((file) => relative(ROOT, file)).join(' → '));
    expect(offending).toEqual([]);
  });

  it('the check sees an import of src/cli when there is one', () => {
    // src/cli/main.ts imports ./output.js: the walk must find it, or the test above proves nothing.
    const fromMain = reachable([join(CLI, 'main.ts')]);
    expect(fromMain.has(join(CLI, 'output.ts'))).toBe(true);
  });
});
