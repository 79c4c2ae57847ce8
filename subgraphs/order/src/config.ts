import { env, loadConfig } from '../../../common/config';

export const orderSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4002),
  databaseUrl: env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']),
  databasePoolSize: env.int('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
};

export type OrderConfig = ReturnType<typeof loadOrderConfig>;

export const loadOrderConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(orderSettings, source);
