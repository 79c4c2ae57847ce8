/**
 * The local SNS/SQS/S3 service: fauxqs's server (an in-memory emulator of the three APIs), in
 * this process, listening on HOST:PORT. Started by dev/embedded/aws.ts as a child process.
 * fauxqs's own entry point listens on every interface; this one only where it is told
 * (127.0.0.1 unless in a container). fauxqs is an ES module, loaded with import().
 */

interface FauxqsApp {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

// TypeScript compiles import() to require() in CommonJS output, which cannot load fauxqs.
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ buildApp(options: { logger: boolean; host?: string }): FauxqsApp }>;

async function main() {
  const { buildApp } = await importModule('fauxqs');
  const app = buildApp({ logger: false, host: process.env.QUEUE_URL_HOST ?? 'localhost' });
  const port = Number(process.env.PORT ?? 4567);
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
  process.stdout.write(`listening ${port}\n`);
  // Everything is in memory: nothing to flush, and closing would wait out open long polls.
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`SNS/SQS emulator failed: ${String(error)}\n`);
  process.exit(1);
});
