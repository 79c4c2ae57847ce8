/**
 * Stopping on SIGINT or SIGTERM: the service stops taking requests and finishes those in flight
 * (common/http.ts closes its listener, and every answer while closing ends its connection), the
 * drain hooks run alongside (anything holding a connection open on its own, such as live
 * subscriptions, registers one with `onDrain` and ends it), then the stop hooks (the metrics
 * endpoint, the trace exporter's last flush), then the process exits. A second signal, or the
 * deadline, exits at once.
 */
type Hook = () => Promise<void> | void;

const drainHooks: Hook[] = [];
const stopHooks: Hook[] = [];

/** Runs when a stop begins, while in-flight requests finish: end what the HTTP close waits for. */
export function onDrain(hook: Hook): void {
  drainHooks.push(hook);
}

/** Runs once the service has stopped, before the process exits. */
export function onStop(hook: Hook): void {
  stopHooks.push(hook);
}

const runAll = (hooks: readonly Hook[]) =>
  Promise.allSettled(hooks.map(async (hook) => hook())).then(() => undefined);

/** Runs `stop` once on SIGINT or SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(130);
    stopping = true;
    const timer = setTimeout(() => process.exit(1), timeoutMs);
    timer.unref();
    let failed = false;
    Promise.all([runAll(drainHooks), stop().catch(() => (failed = true))])
      .then(() => runAll(stopHooks))
      .then(() => process.exit(failed ? 1 : 0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
