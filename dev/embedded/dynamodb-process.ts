/**
 * The embedded DynamoDB (dynalite) in a child process of its own, for the benchmark: its CPU is
 * then its own (readable from /proc/<pid>/stat) rather than mixed with the load generator's, and
 * it counts the requests it serves by operation, so a benchmark can report DynamoDB round trips
 * per request. Driven over the IPC channel; run as a script, it is the child.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { startEmbeddedDynamo, type EmbeddedDynamo, type EmbeddedDynamoOptions } from './dynamodb';

type Command = { id: number; type: 'counts' | 'offline' | 'online' | 'stop' };
type Reply = { id: number; error?: string; counts?: Record<string, number> };
type Ready = { ready: string } | { failed: string };

export interface DynamoProcess extends EmbeddedDynamo {
  pid: number;
  counts(): Promise<Record<string, number>>;
}

export async function startDynamoProcess(
  options: Omit<EmbeddedDynamoOptions, 'onRequest'>,
): Promise<DynamoProcess> {
  const script = __filename;
  const child: ChildProcess = fork(script, [JSON.stringify(options)], {
    execArgv: script.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: Ready) =>
      'ready' in message ? resolve(message.ready) : reject(new Error(message.failed)),
    );
    child.once('exit', (code) => reject(new Error(`embedded DynamoDB exited (${code})`)));
  });
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (reply: Reply) => pending.get(reply.id)?.(reply));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ask = (type: Command['type']) =>
    new Promise<Reply>((resolve, reject) => {
      const id = next++;
      pending.set(id, (reply) => {
        pending.delete(id);
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      });
      child.send({ id, type } satisfies Command);
    });
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    path: options.path,
    pid: child.pid ?? 0,
    counts: async () => (await ask('counts')).counts ?? {},
    async offline(work) {
      await ask('offline');
      try {
        return await work();
      } finally {
        await ask('online');
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null) return;
        await ask('stop').catch(() => undefined);
        await exited;
      })()),
  };
}

async function serve(options: EmbeddedDynamoOptions) {
  const counts: Record<string, number> = {};
  const send = (message: Reply | Ready) => process.send?.(message);
  let resume: (() => void) | undefined;
  let back: Promise<void> | undefined;
  let dynamo: EmbeddedDynamo;
  try {
    dynamo = await startEmbeddedDynamo({
      ...options,
      onRequest: (operation) => (counts[operation] = (counts[operation] ?? 0) + 1),
    });
  } catch (error) {
    send({ failed: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  process.on('disconnect', () => void dynamo.stop().finally(() => process.exit(0)));
  process.on('message', (command: Command) => {
    const reply = (extra: Omit<Reply, 'id'> = {}) => send({ id: command.id, ...extra });
    const fail = (error: unknown) =>
      reply({ error: error instanceof Error ? error.message : String(error) });
    if (command.type === 'counts') reply({ counts });
    else if (command.type === 'offline') {
      // offline() closes the server, then runs the work: closed until `online`.
      back = dynamo.offline(
        () =>
          new Promise<void>((resolve) => {
            resume = resolve;
            reply();
          }),
      );
      back.catch(fail);
    } else if (command.type === 'online') {
      resume?.();
      resume = undefined;
      // Serving again once offline() returns.
      void (back ?? Promise.resolve()).then(() => reply(), fail);
    } else if (command.type === 'stop') {
      dynamo.stop().then(() => {
        reply();
        process.exit(0);
      }, fail);
    }
  });
  send({ ready: dynamo.endpoint });
}

if (require.main === module)
  void serve(JSON.parse(process.argv[2] ?? '{}') as EmbeddedDynamoOptions);
