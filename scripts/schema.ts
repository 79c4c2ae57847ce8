/** `npm run schema`: regenerates schema/subgraphs/*.graphql, supergraph.graphql and api.graphql. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { projectPath } from '../common/paths';
import { generateSchemaArtifacts } from './schema-artifacts';

async function main() {
  const files = await generateSchemaArtifacts();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(projectPath(path)), { recursive: true });
    await writeFile(projectPath(path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
