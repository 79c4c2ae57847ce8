/** Child processes for local runs: launch a compiled entry point, wait until it is ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { projectPath } from '../common/paths';

export interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function launch(
  name: string,
  entry: string,
  environment: Record<string, string>,
  options: { quiet?: boolean; nodeArgs?: readonly string[] } = {},
): Service {
  const args = ['--enable-source-maps', ...(options.nodeArgs ?? []), projectPath(entry)];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...environment },
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { name, child, exited };
}

/** Polls `<baseUrl><path>` until it answers 2xx; fails early if the process exits. */
export async function waitReady(
  service: Service,
  baseUrl: string,
  path = '/readyz',
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  let last = 'no answer';
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${service.name} exited with code ${exitCode} while starting`);
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        signal: AbortSignal.timeout(2_500),
        headers: { 'apollo-require-preflight': 'true' },
      });
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service.name} did not become ready within ${timeoutMs / 1000}s (${last})`);
}

/** SIGTERM to all, then SIGKILL to what is still running after `graceMs`. */
export async function stopAll(services: readonly Service[], graceMs = 10_000): Promise<void> {
  for (const service of [...services].reverse()) service.child.kill('SIGTERM');
  await Promise.race([
    Promise.all(services.map((s) => s.exited)),
    new Promise((resolve) => setTimeout(resolve, graceMs)),
  ]);
  for (const service of services)
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
