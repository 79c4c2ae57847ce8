/**
 * Structured logs with pino: one JSON object per line (`time`, `level`, `service`, `message`, the
 * fields), or a readable line when writing to a terminal. Every line written while a request is
 * handled carries its `traceId` and `requestId` (common/request-scope.ts), so a log search by
 * trace id finds every service's lines of one request.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { currentScope, currentTraceId } from './request-scope';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const levels: readonly string[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  silent?: boolean;
  base?: LogFields;
  /** Where the lines go instead of stdout (warn and error: stderr), one JSON object a line. */
  destination?: { write(line: string): void };
}

function levelFromEnv(): LogLevel {
  const raw = (process.env.LOG_LEVEL ?? '').toLowerCase();
  if (raw === 'silent') return 'error';
  return levels.includes(raw) ? (raw as LogLevel) : 'info';
}

/** Errors keep their name and message; a stack goes only where a caller puts one on purpose. */
function serialise(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return undefined;
  let copy: LogFields | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      copy ??= { ...fields };
      copy[key] = { name: value.name, message: value.message };
    }
  }
  return copy ?? fields;
}

/** A readable line per record, for a developer's terminal. */
function prettyStream(out: NodeJS.WriteStream): DestinationStream {
  return {
    write(line: string) {
      const { time: _time, level, service, message, ...rest } = JSON.parse(line) as LogFields;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(
        `${String(level).padEnd(5)} [${String(service)}] ${String(message)}${extra ? ` ${extra}` : ''}\n`,
      );
    },
  };
}

function destinationFor(options: LoggerOptions): DestinationStream {
  if (options.destination) return options.destination;
  const pretty = process.stdout.isTTY === true;
  const stdout = pretty ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: true });
  const stderr = pretty ? prettyStream(process.stderr) : pino.destination({ dest: 2, sync: true });
  // Warnings and errors go to stderr only.
  return pino.multistream(
    [
      { level: 'debug', stream: stdout },
      { level: 'warn', stream: stderr },
    ],
    { dedupe: true },
  );
}

/** The request's ids on every line written while it is handled. */
function mixin(): LogFields {
  const scope = currentScope();
  const traceId = currentTraceId();
  if (!scope) return traceId ? { traceId } : {};
  return { traceId, requestId: scope.requestId };
}

function wrap(logger: PinoLogger): Logger {
  return {
    debug: (m, f) => logger.debug(serialise(f) ?? {}, m),
    info: (m, f) => logger.info(serialise(f) ?? {}, m),
    warn: (m, f) => logger.warn(serialise(f) ?? {}, m),
    error: (m, f) => logger.error(serialise(f) ?? {}, m),
    child: (fields) => wrap(logger.child(serialise(fields) ?? {})),
  };
}

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const silent = options.silent ?? process.env.LOG_LEVEL === 'silent';
  const logger = pino(
    {
      level: silent ? 'silent' : (options.level ?? levelFromEnv()),
      base: { service },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin,
    },
    destinationFor(options),
  );
  return wrap(options.base ? logger.child(serialise(options.base) ?? {}) : logger);
}
