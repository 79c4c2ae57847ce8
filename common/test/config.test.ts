import { ConfigError, env, loadConfig } from '../config';

const spec = {
  port: env.port('PORT', 4000),
  url: env.url('DATABASE_URL', undefined, ['postgres']),
  ttl: env.int('CACHE_TTL_SECONDS', 300, { min: 1, max: 86_400 }),
  flag: env.bool('CREATE_TABLES', true),
  redis: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
};

function problem(source: Record<string, string>): string {
  try {
    loadConfig(spec, source);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('configuration', () => {
  const valid = { DATABASE_URL: 'postgres://user:secret@db:5432/store' };

  it('reads defaults and values once', () => {
    expect(loadConfig(spec, { ...valid, PORT: '8080', CREATE_TABLES: 'false' })).toEqual({
      port: 8080,
      url: valid.DATABASE_URL,
      ttl: 300,
      flag: false,
      redis: undefined,
    });
  });

  it.each([
    [{}, 'DATABASE_URL is required'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL (got "not a url")'],
    [{ DATABASE_URL: 'mysql://u:p@h/db' }, 'DATABASE_URL must be a postgres URL (got "mysql://…")'],
    [{ ...valid, PORT: 'eighty' }, 'PORT must be a whole number (got "eighty")'],
    [{ ...valid, PORT: '70000' }, 'PORT must be between 0 and 65535 (got 70000)'],
    [{ ...valid, CACHE_TTL_SECONDS: '0' }, 'CACHE_TTL_SECONDS must be between 1 and 86400 (got 0)'],
    [{ ...valid, CREATE_TABLES: 'maybe' }, 'CREATE_TABLES must be true or false (got "maybe")'],
    [
      { ...valid, REDIS_URL: 'http://cache:6379' },
      'REDIS_URL must be a redis or rediss URL (got "http://…")',
    ],
  ])('stops on %j with one line naming the variable', (source, message) => {
    expect(problem(source as Record<string, string>)).toBe(message);
  });

  it('never echoes credentials from a URL', () => {
    expect(problem({ DATABASE_URL: 'postgres//user:secret@db' })).not.toContain('secret');
  });
});
