/** Structured logs: one JSON object per line, or a readable line when writing to a terminal. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function levelFromEnv(): LogLevel {
  const raw = (process.env.LOG_LEVEL ?? '').toLowerCase();
  if (raw === 'silent') return 'error';
  return raw in rank ? (raw as LogLevel) : 'info';
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(
  service: string,
  options: { level?: LogLevel; silent?: boolean; base?: LogFields } = {},
): Logger {
  const threshold = rank[options.level ?? levelFromEnv()];
  const silent = options.silent ?? process.env.LOG_LEVEL === 'silent';
  const pretty = process.stdout.isTTY === true;
  const base = options.base ?? {};

  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (silent || rank[level] < threshold) return;
    const all: LogFields = { ...base, ...fields };
    const stream = level === 'error' || level === 'warn' ? process.stderr : process.stdout;
    if (pretty) {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(serialise(v))}`)
        .join(' ');
      stream.write(`${level.padEnd(5)} [${service}] ${message}${extra ? ` ${extra}` : ''}\n`);
      return;
    }
    const record: LogFields = { time: new Date().toISOString(), level, service, message };
    for (const [k, v] of Object.entries(all)) record[k] = serialise(v);
    stream.write(`${JSON.stringify(record)}\n`);
  };

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(service, { ...options, base: { ...base, ...fields } }),
  };
}
