/**
 * The layout the architecture promises (../shared/ARCHITECTURE.md, "Where things live"), read off
 * the source: each subgraph stands alone and talks to another only through a `<other>.client.ts`,
 * `common/` holds only what the services load in production, development tooling stays in `dev/`,
 * and no source file grows past what one reader can hold.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectPath } from '../common/paths';

const root = projectPath();
const subgraphs = ['product', 'cart', 'order', 'user', 'search'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Project-relative paths of the project files a source file imports (relative imports only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require\()\s*'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1],
  );
  return specs.map((spec) => relative(root, resolve(dirname(file), spec)));
}

const rel = (file: string) => relative(root, file);
const production = [
  ...sourceFiles(projectPath('common')).filter((f) => !rel(f).startsWith('common/test/')),
  ...sourceFiles(projectPath('gateway', 'src')),
  ...subgraphs.flatMap((name) => sourceFiles(projectPath('subgraphs', name, 'src'))),
];

describe('the layout', () => {
  it('keeps each subgraph to its own code: no other subgraph, no tooling, no tests', () => {
    const crossings: string[] = [];
    for (const name of subgraphs) {
      for (const file of sourceFiles(projectPath('subgraphs', name, 'src'))) {
        for (const target of importsOf(file)) {
          const other = /^subgraphs\/(\w+)\//.exec(target)?.[1];
          if ((other && other !== name) || /^(dev|scripts|test)\//.test(target)) {
            crossings.push(`${rel(file)} -> ${target}`);
          }
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it('keeps common/ and the gateway free of domain code and development tooling', () => {
    const crossings = production
      .filter((file) => !rel(file).startsWith('subgraphs/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => /^(dev|scripts|test)\/|^subgraphs\/\w+\//.test(target))
          .map((target) => `${rel(file)} -> ${target}`),
      );
    expect(crossings).toEqual([]);
  });

  it('calls another subgraph only from a <other>.client.ts, through common/subgraph-client.ts', () => {
    const callers = subgraphs
      .flatMap((name) => sourceFiles(projectPath('subgraphs', name, 'src')))
      .filter((file) => /\bcallSubgraph\b/.test(readFileSync(file, 'utf8')))
      .map(rel)
      .filter((file) => !/\/src\/(\w+)\.client\.ts$/.test(file));
    expect(callers).toEqual([]);
    for (const file of subgraphs.flatMap((name) =>
      sourceFiles(projectPath('subgraphs', name, 'src')),
    )) {
      const other = /\/src\/(\w+)\.client\.ts$/.exec(file)?.[1];
      if (other && subgraphs.includes(other)) {
        expect({
          file: rel(file),
          usesSubgraphClient: importsOf(file).includes('common/subgraph-client'),
        }).toEqual({
          file: rel(file),
          usesSubgraphClient: true,
        });
      }
    }
  });

  it('names files by entity and role: no bare service, repository, table or source files', () => {
    const bare = /\/src\/(service|repository|table|sources|catalog|shoppers|stock)\.ts$/;
    expect(production.map(rel).filter((file) => bare.test(file))).toEqual([]);
  });

  it('keeps every source file of the services under 450 lines', () => {
    const long = production
      .map((file) => ({
        file: rel(file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > 450);
    expect(long).toEqual([]);
  });
});
