/**
 * The production image as the Dockerfile builds it: Node 22 LTS, installs from the lockfile,
 * production dependencies only, the services' code only, everything they read at run time, an
 * unprivileged user and a health check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { projectPath } from '../common/paths';

interface Stage {
  from: string;
  name: string;
  lines: string[];
}

function stages(): Stage[] {
  const text = readFileSync(projectPath('Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const result: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) result.push({ from: from[1], name: from[2] ?? '', lines: [] });
    else result[result.length - 1]?.lines.push(line);
  }
  return result;
}

const all = stages();
const stage = (name: string) => {
  const found = all.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const runtime = all[all.length - 1];

it('builds on Node 22 LTS, in stages, the runtime last', () => {
  expect(stage('base').from).toMatch(/^node:22-/);
  expect(runtime.name).toBe('runtime');
  expect(runtime.from).toBe('base');
});

it('installs from the lockfile, and only production dependencies into the runtime', () => {
  const installs = all.flatMap((s) => s.lines.filter((l) => /\bnpm (ci|install|i)\b/.test(l)));
  expect(installs.filter((l) => !/npm install -g npm@/.test(l) && !/\bnpm ci\b/.test(l))).toEqual(
    [],
  );
  expect(stage('production-dependencies').lines.join('\n')).toMatch(/npm ci --omit=dev/);
  expect(runtime.lines).toContain(
    'COPY --from=production-dependencies /app/node_modules ./node_modules',
  );
});

it('holds the services only, and every file they read at run time', () => {
  const copies = runtime.lines
    .filter((l) => l.startsWith('COPY --from=build '))
    .map((l) => l.split(/\s+/)[2].replace(/^\/app\//, ''));
  for (const copied of copies)
    expect({
      copied,
      production:
        /^(dist\/(common|gateway\/src|subgraphs)|schema\/|subgraphs\/\w+\/migrations)/.test(copied),
    }).toEqual({ copied, production: true });
  for (const needed of [
    'schema/supergraph.graphql',
    'schema/persisted-operations.json',
    'subgraphs/order/migrations',
    'subgraphs/user/migrations',
    'subgraphs/search/migrations',
  ]) {
    expect({ needed, copied: copies.includes(needed) }).toEqual({ needed, copied: true });
    expect(existsSync(projectPath(needed))).toBe(true);
  }
});

it('runs as the unprivileged node user, with a health check, stopping on SIGTERM', () => {
  const users = runtime.lines.filter((l) => l.startsWith('USER '));
  expect(users[users.length - 1]).toBe('USER node');
  expect(runtime.lines.some((l) => /^HEALTHCHECK .*\/healthz/.test(l))).toBe(true);
  expect(runtime.lines).toContain('STOPSIGNAL SIGTERM');
  expect(runtime.lines.find((l) => l.startsWith('CMD '))).toBe(
    'CMD ["node", "dist/gateway/src/main.js"]',
  );
});
