/** `NODE_ENV=production npm start` generates no secrets: without one it stops with one line. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../common/paths';

it('stops at once, with one line, when INTERNAL_IDENTITY_SECRET is missing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'storefront-production-start-'));
  try {
    const { INTERNAL_IDENTITY_SECRET: _secret, ...environment } = process.env;
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', projectPath('scripts', 'start.ts')],
      {
        cwd: projectPath(),
        env: { ...environment, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '4720' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual([
      'configuration error: INTERNAL_IDENTITY_SECRET is required when NODE_ENV=production',
    ]);
    // Nothing was started or written.
    expect(readdirSync(dataDir)).toEqual([]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
