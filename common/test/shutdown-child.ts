/** Run by shutdown.test.ts: a process that stops through common/shutdown.ts on SIGTERM. */
import { onDrain, onShutdown, onStop } from '../shutdown';

const say = (line: string) => process.stdout.write(`${line}\n`);
onDrain(async () => {
  say('drain started');
  await new Promise((resolve) => setTimeout(resolve, 50));
  say('drained');
});
onStop(() => {
  say('stop hook');
});
onShutdown(async () => {
  say('stopping');
  await new Promise((resolve) => setTimeout(resolve, 100));
  say('stopped');
});
setInterval(() => undefined, 1_000);
say('ready');
