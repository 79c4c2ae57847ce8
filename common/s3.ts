/**
 * Amazon S3 access shared by the services that keep files there (the product media bucket): the
 * client, presigned uploads and a look at an uploaded object. With an endpoint set the same code
 * talks to an S3-compatible stand-in (path-style addressing, local credentials).
 */
import {
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface S3Settings {
  /** Unset: the AWS endpoint for the region. Set: an S3-compatible stand-in or a VPC endpoint. */
  endpoint?: string;
  region: string;
}

/** The key pair a local stand-in accepts when AWS_ACCESS_KEY_ID is unset (see dev/embedded/s3.ts). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    // A presigned PUT carries no checksum of a body the server has not seen yet; checksums are
    // computed only where an operation requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpoint
      ? {
          endpoint: settings.endpoint,
          forcePathStyle: true,
          // Local stand-ins take the local pair; real AWS uses the default provider chain.
          credentials: process.env.AWS_ACCESS_KEY_ID ? undefined : LOCAL_S3_CREDENTIALS,
        }
      : {}),
    maxAttempts: 3,
  });
}

export interface PresignedPut {
  url: string;
  /** Headers the uploader must send exactly as given: they are part of the signature. */
  headers: { name: string; value: string }[];
  expiresAt: Date;
}

/**
 * A presigned PUT of one object whose content type and length are signed: S3 refuses a request
 * whose `Content-Type` or `Content-Length` differs (SignatureDoesNotMatch), and any request after
 * `expiresInSeconds` from `signedAt`.
 */
export async function presignPut(
  client: S3Client,
  object: { bucket: string; key: string; contentType: string; byteSize: number },
  options: { expiresInSeconds: number; signedAt?: Date },
): Promise<PresignedPut> {
  const signedAt = options.signedAt ?? new Date();
  const url = await getSignedUrl(
    client,
    new PutObjectCommand({
      Bucket: object.bucket,
      Key: object.key,
      ContentType: object.contentType,
      ContentLength: object.byteSize,
    }),
    {
      expiresIn: options.expiresInSeconds,
      signingDate: signedAt,
      signableHeaders: new Set(['content-type', 'content-length']),
    },
  );
  // SigV4 works in whole seconds: the URL stops working at the signing second plus the expiry.
  const signedSecond = Math.floor(signedAt.getTime() / 1000) * 1000;
  return {
    url,
    headers: [
      { name: 'Content-Type', value: object.contentType },
      { name: 'Content-Length', value: String(object.byteSize) },
    ],
    expiresAt: new Date(signedSecond + options.expiresInSeconds * 1000),
  };
}

export interface StoredObject {
  contentType: string | null;
  byteSize: number;
}

/** The object's type and size; null when there is no such object. */
export async function headObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<StoredObject | null> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { contentType: head.ContentType ?? null, byteSize: head.ContentLength ?? 0 };
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
    throw error;
  }
}
