/**
 * SIGTERM: the drain hooks (live subscriptions) run while the service stops, the stop hooks
 * (metrics endpoint, trace flush) after it has, then the process exits 0.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

it('drains, stops, runs the stop hooks, then exits 0', async () => {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'shutdown-child.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n') && !child.killed) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = out.trim().split('\n');
  expect(code).toBe(0);
  expect(lines[0]).toBe('ready');
  expect(lines.slice(1).sort()).toEqual(
    ['drain started', 'drained', 'stopping', 'stopped', 'stop hook'].sort(),
  );
  // Both run at once; the stop hooks only after both are done.
  expect(lines[lines.length - 1]).toBe('stop hook');
  expect(lines.indexOf('drain started')).toBeLessThan(lines.indexOf('stopped'));
  expect(lines.indexOf('stopping')).toBeLessThan(lines.indexOf('drained'));
});
