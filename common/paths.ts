/** Locates files of the project whether running from source (tests) or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The folder holding the project's package.json. */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root');
    dir = parent;
  }
  root = dir;
  return dir;
}

export const projectPath = (...parts: string[]) => join(projectRoot(), ...parts);
