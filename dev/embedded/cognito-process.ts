/**
 * The local Cognito: cognito-local's own server, in this process, with its state in the working
 * directory (`.cognito/`), behind a thin front that adds the one operation the store needs and
 * cognito-local lacks: GlobalSignOut (revokes every refresh token of the caller). Started by
 * dev/embedded/cognito.ts as a child process; PORT and HOST come from the environment.
 */
import { createVerify, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Ctx {
  logger: Logger;
}
interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  child(): Logger;
}
interface StoredUser {
  Username: string;
  RefreshTokens?: string[];
}
interface UserPoolService {
  getUserByUsername(ctx: Ctx, username: string): Promise<StoredUser | null>;
  saveUser(ctx: Ctx, user: StoredUser): Promise<void>;
}
interface CognitoService {
  getUserPoolForClientId(ctx: Ctx, clientId: string): Promise<UserPoolService>;
}
interface Services {
  cognito: CognitoService;
}
type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const lib = (path: string): Record<string, unknown> => require(`cognito-local/lib/${path}`);

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => process.stderr.write(`cognito: ${JSON.stringify(args[0])}\n`),
  child: () => silent,
};

type Ctor<T> = new (...args: unknown[]) => T;
type Fn<T> = (...args: unknown[]) => T;

/** The same assembly as cognito-local's createDefaultServer, keeping hold of its services. */
async function assemble(ctx: Ctx): Promise<{ app: RequestHandler; services: Services }> {
  const AWS = require('aws-sdk') as { Lambda: Ctor<unknown> };
  const svc = lib('services');
  const stormDb = lib('services/dataStore/stormDb');
  const StormDB = stormDb.StormDBDataStoreFactory as Ctor<unknown>;
  const config = await (lib('server/config').loadConfig as Fn<Promise<Record<string, unknown>>>)(
    ctx,
    new StormDB('.cognito'),
  );
  const clock = new (svc.DateClock as Ctor<unknown>)();
  const dataStoreFactory = new StormDB('.cognito/db');
  const UserPoolFactory = lib('services/userPoolService')
    .UserPoolServiceFactoryImpl as Ctor<unknown>;
  const CognitoFactory = lib('services/cognitoService').CognitoServiceFactoryImpl as Ctor<{
    create: Fn<Promise<CognitoService>>;
  }>;
  const cognito = await new CognitoFactory(
    '.cognito/db',
    dataStoreFactory,
    new UserPoolFactory(clock, dataStoreFactory),
  ).create(ctx, config.UserPoolDefaults);
  const triggers = new (svc.TriggersService as Ctor<unknown>)(
    clock,
    cognito,
    new (svc.LambdaService as Ctor<unknown>)(
      config.TriggerFunctions,
      new AWS.Lambda(config.LambdaClient),
    ),
    new (lib('services/crypto').CryptoService as Ctor<unknown>)(config.KMSConfig),
  );
  const MessageDelivery = lib('services/messageDelivery/messageDelivery')
    .MessageDeliveryService as Ctor<unknown>;
  const ConsoleSender = lib('services/messageDelivery/consoleMessageSender')
    .ConsoleMessageSender as Ctor<unknown>;
  const services = {
    clock,
    cognito,
    config,
    messages: new (svc.MessagesService as Ctor<unknown>)(
      triggers,
      new MessageDelivery(new ConsoleSender()),
    ),
    otp: lib('services/otp').otp,
    tokenGenerator: new (lib('services/tokenGenerator').JwtTokenGenerator as Ctor<unknown>)(
      clock,
      triggers,
      config.TokenConfig,
    ),
    triggers,
  };
  const router = (lib('server/Router').Router as Fn<unknown>)(services);
  const server = (lib('server/server').createServer as Fn<{ application: RequestHandler }>)(
    router,
    silent,
    config.ServerConfig,
    services,
  );
  return { app: server.application, services };
}

const publicJwk = (
  require('cognito-local/lib/keys/cognitoLocal.public.json') as { jwk: JsonWebKey }
).jwk;

/** The claims of an access token this emulator signed, or null. */
function verifiedClaims(
  token: string,
): { sub: string; client_id: string; token_use: string } | null {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify({ key: publicJwk, format: 'jwk' }, Buffer.from(signature, 'base64url')))
    return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  if (typeof claims.exp === 'number' && claims.exp < Date.now() / 1000) return null;
  if (typeof claims.sub !== 'string' || typeof claims.client_id !== 'string') return null;
  return { sub: claims.sub, client_id: claims.client_id, token_use: String(claims.token_use) };
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

async function globalSignOut(
  ctx: Ctx,
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const { AccessToken } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
    AccessToken?: string;
  };
  const claims = AccessToken ? verifiedClaims(AccessToken) : null;
  if (!claims || claims.token_use !== 'access') {
    reply(res, 400, { __type: 'NotAuthorizedException', message: 'Invalid Access Token' });
    return;
  }
  const pool = await services.cognito.getUserPoolForClientId(ctx, claims.client_id);
  const user = await pool.getUserByUsername(ctx, claims.sub);
  if (!user) {
    reply(res, 400, { __type: 'UserNotFoundException', message: 'User does not exist.' });
    return;
  }
  await pool.saveUser(ctx, { ...user, RefreshTokens: [] });
  reply(res, 200, {});
}

async function main() {
  const ctx: Ctx = { logger: silent };
  const { app, services } = await assemble(ctx);
  const server = createServer((req, res) => {
    if (req.headers['x-amz-target'] === 'AWSCognitoIdentityProviderService.GlobalSignOut') {
      globalSignOut(ctx, services, req, res).catch((error: unknown) => {
        reply(res, 500, { __type: 'InternalErrorException', message: String(error) });
      });
      return;
    }
    app(req, res);
  });
  const port = Number(process.env.PORT ?? 9229);
  server.listen(port, process.env.HOST ?? '127.0.0.1', () =>
    process.stdout.write(`listening ${port}\n`),
  );
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`cognito emulator failed: ${String(error)}\n`);
  process.exit(1);
});
