/**
 * The S3 stand-in (s3rver, files on disk) used when MEDIA_BUCKET is unset: it holds the media
 * bucket, takes the back office's presigned PUTs and serves the files to anyone with a GET, as
 * the CDN in front of the bucket does.
 *
 * s3rver 3.7 checks a presigned URL's expiry (X-Amz-Date plus X-Amz-Expires) and its access key,
 * but not a Signature Version 4 signature (only version 2 ones), while the AWS SDK signs only
 * with version 4. So the stand-in checks every presigned V4 request before s3rver sees it: it
 * signs the request as it arrived (method, path, query, and the values of the headers the URL
 * says it signed) with the SDK's own signer (@smithy/signature-v4) and the secret of the access
 * key, and refuses with S3's `SignatureDoesNotMatch` when the signatures differ, as S3 does. A
 * tampered URL (another key, a longer expiry), another `Content-Type` or a body of another length
 * (its `Content-Length`) therefore fail here as they fail on S3.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver, { type KoaContext, type Middleware } from 's3rver';
import S3Error from 's3rver/lib/models/error';
import AWSAccount from 's3rver/lib/models/account';
import { LOCAL_S3_CREDENTIALS } from '../../common/s3';

export interface EmbeddedS3Options {
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Where the objects are kept, created if missing. */
  directory: string;
  /** Buckets to create at start (existing ones and their objects are kept). */
  buckets: string[];
}

export interface EmbeddedS3 {
  /** Endpoint for `new S3Client({ endpoint, forcePathStyle: true })`, e.g. http://127.0.0.1:4568. */
  endpoint: string;
  /** The public address of a bucket's objects: `${endpoint}/${bucket}`. */
  publicUrl(bucket: string): string;
  stop(): Promise<void>;
}

/** Lets a browser page (the playground, a back-office app) PUT and GET from any origin. */
const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>
<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

const secrets = new Map<string, string>([
  [LOCAL_S3_CREDENTIALS.accessKeyId, LOCAL_S3_CREDENTIALS.secretAccessKey],
]);
AWSAccount.DUMMY_ACCOUNT.createKeyPair(
  LOCAL_S3_CREDENTIALS.accessKeyId,
  LOCAL_S3_CREDENTIALS.secretAccessKey,
);

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const host = options.host ?? '127.0.0.1';
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [CORS] })),
  });
  server.middleware.unshift(verifyPresignedV4);
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    throw new Error(
      `embedded S3 cannot listen on ${host}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const endpoint = `http://${host}:${address.port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    publicUrl: (bucket) => `${endpoint}/${bucket}`,
    stop: () =>
      (stopping ??= (async () => {
        server.httpServer?.closeAllConnections();
        await server.close();
      })()),
  };
}

/** SHA-256 for the signer, from node:crypto (HMAC when given a secret). */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

const header = (ctx: KoaContext, name: string): string => ctx.get(name);

/** Refuses a presigned SigV4 request whose signature is not the one its contents make. */
const verifyPresignedV4: Middleware = async (ctx, next) => {
  const url = new URL(ctx.url, 'http://stand-in');
  const query = url.searchParams;
  if (ctx.method === 'OPTIONS' || ctx.method === 'GET' || ctx.method === 'HEAD') {
    if (query.get('X-Amz-Algorithm') === null) return next(); // public reads, as through the CDN
  } else if (query.get('X-Amz-Algorithm') === null && !header(ctx, 'authorization')) {
    // The bucket is private for writes: s3rver would take an anonymous PUT.
    throw new S3Error('AccessDenied', 'Access Denied');
  }
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || ctx.method === 'OPTIONS') {
    return next();
  }
  const provided = query.get('X-Amz-Signature') ?? '';
  const [accessKeyId, , region = '', service = 's3'] = (query.get('X-Amz-Credential') ?? '').split(
    '/',
  );
  const amzDate = query.get('X-Amz-Date') ?? '';
  const expiresIn = Number(query.get('X-Amz-Expires'));
  const signed = (query.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  const secretAccessKey = secrets.get(accessKeyId);
  const signingDate = parseAmzDate(amzDate);
  if (!secretAccessKey || !signingDate || !Number.isFinite(expiresIn) || !signed.includes('host')) {
    // Left to s3rver, which answers these with S3's own errors (unknown key, bad date, ...).
    return next();
  }
  // The payload hash signed: a presigned URL's is UNSIGNED-PAYLOAD. The signer reads it from this
  // header, which is neither signed nor moved to the query (the URL has it there already).
  const payloadHeader = 'x-amz-content-sha256';
  const headers: Record<string, string> = {
    [payloadHeader]: query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  };
  const rest: Record<string, string> = {};
  for (const [name, value] of query) if (name !== 'X-Amz-Signature') rest[name] = value;
  for (const name of signed) headers[name] = header(ctx, name);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const expected = await signer.presign(
    {
      method: ctx.method,
      protocol: 'http:',
      hostname: header(ctx, 'host'),
      path: url.pathname,
      query: rest,
      headers,
    },
    {
      signingDate,
      expiresIn,
      signableHeaders: new Set(signed),
      unsignableHeaders: new Set([payloadHeader]),
      unhoistableHeaders: new Set([payloadHeader]),
    },
  );
  const computed = expected.query?.['X-Amz-Signature'];
  if (computed !== provided || expected.query?.['X-Amz-SignedHeaders'] !== signed.join(';')) {
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your key and signing method.',
      { AWSAccessKeyId: accessKeyId },
    );
  }
  return next();
};

/** `20260102T030405Z` to a Date; null when malformed. */
function parseAmzDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}
