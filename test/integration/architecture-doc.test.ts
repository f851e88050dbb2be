import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(path.join(root, dir))) {
    if (name === 'node_modules' || name === 'dist') continue;
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) walk(rel, out);
    else out.push(rel);
  }
  return out;
}

const files = [...walk('src'), ...walk('test'), ...walk('bench'), ...walk('db'), ...walk('bin')];
const folders = [...new Set(walk('src').map((f) => path.dirname(f)))].filter((d) => d !== 'src');

describe('docs/ARCHITECTURE.md matches the code', () => {
  it('names every folder of src/', () => {
    const missing = folders.filter((folder) => !doc.includes(`\`${folder}/\``));
    expect(missing).toEqual([]);
  });

  it('names only files that exist', () => {
    const named = [...doc.matchAll(/`([\w./-]+\.ts)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(100);
    const missing = named.filter((name) =>
      name.includes('/') ? !files.includes(name) : !files.some((f) => path.basename(f) === name),
    );
    expect([...new Set(missing)]).toEqual([]);
  });
});
