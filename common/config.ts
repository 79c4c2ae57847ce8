/**
 * Configuration is read from the environment once, at start, and validated as a whole. A bad or
 * missing value stops the process with one line naming the variable and what is wrong with it.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

/** One environment variable: its name and how to turn its text into a value. */
export interface Setting<T> {
  readonly variable: string;
  read(source: Source): T;
}

function setting<T>(variable: string, parse: (raw: string | undefined) => T): Setting<T> {
  return { variable, read: (source) => parse(blankToUndefined(source[variable])) };
}

function blankToUndefined(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function fail(variable: string, problem: string): never {
  throw new ConfigError(variable, problem);
}

function parseUrl(variable: string, raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(variable, `must be a URL (got "${redact(raw)}")`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    fail(variable, `must be a ${protocols.join(' or ')} URL (got "${url.protocol}//…")`);
  }
  return raw;
}

/** Never echo credentials that may sit in a URL back into a log line. */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@').slice(0, 80);
}

function parseInteger(variable: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw)) fail(variable, `must be a whole number (got "${redact(raw)}")`);
  const value = Number(raw);
  if (value < min || value > max)
    fail(variable, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

export const env = {
  string(variable: string, fallback?: string): Setting<string> {
    return setting(variable, (raw) => raw ?? fallback ?? fail(variable, 'is required'));
  },
  optionalString(variable: string): Setting<string | undefined> {
    return setting(variable, (raw) => raw);
  },
  url(variable: string, fallback?: string, protocols: readonly string[] = ['http', 'https']) {
    return setting(variable, (raw) =>
      parseUrl(variable, raw ?? fallback ?? fail(variable, 'is required'), protocols),
    );
  },
  optionalUrl(
    variable: string,
    protocols: readonly string[] = ['http', 'https'],
  ): Setting<string | undefined> {
    return setting(variable, (raw) =>
      raw === undefined ? undefined : parseUrl(variable, raw, protocols),
    );
  },
  int(variable: string, fallback: number, range: { min?: number; max?: number } = {}) {
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    return setting(variable, (raw) =>
      raw === undefined ? fallback : parseInteger(variable, raw, min, max),
    );
  },
  port(variable: string, fallback: number): Setting<number> {
    return env.int(variable, fallback, { min: 0, max: 65535 });
  },
  bool(variable: string, fallback: boolean): Setting<boolean> {
    return setting(variable, (raw) => {
      if (raw === undefined) return fallback;
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return fail(variable, `must be true or false (got "${redact(raw)}")`);
    });
  },
  /** A secret: required, at least `minLength` characters, never echoed. */
  secret(variable: string, minLength = 32): Setting<string> {
    return setting(variable, (raw) => {
      if (raw === undefined) return fail(variable, 'is required');
      if (raw.length < minLength)
        return fail(variable, `must be at least ${minLength} characters long`);
      return raw;
    });
  },
  /** A secret that may be unset (the feature it guards is then off); when set, as `secret`. */
  optionalSecret(variable: string, minLength = 32): Setting<string | undefined> {
    return setting(variable, (raw) => {
      if (raw === undefined) return undefined;
      if (raw.length < minLength)
        return fail(variable, `must be at least ${minLength} characters long`);
      return raw;
    });
  },
  oneOf<T extends string>(variable: string, values: readonly T[], fallback: T): Setting<T> {
    return setting(variable, (raw) => {
      if (raw === undefined) return fallback;
      const value = values.find((v) => v === raw.toLowerCase());
      return value ?? fail(variable, `must be one of ${values.join(', ')} (got "${redact(raw)}")`);
    });
  },
};

export type ConfigOf<S extends Record<string, Setting<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** Reads every setting of `spec` from `source`; throws the first ConfigError it meets. */
export function loadConfig<S extends Record<string, Setting<unknown>>>(
  spec: S,
  source: Source = process.env,
): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(spec)) config[key] = item.read(source);
  return config as ConfigOf<S>;
}

/**
 * Runs a service's main function; a configuration error ends the process with one line on
 * stderr and exit code 78 (EX_CONFIG), anything else with the error logged and code 1.
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
