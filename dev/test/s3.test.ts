/**
 * The embedded S3 (dev/embedded/s3.ts): keeps its objects across restarts (npm start's data), and
 * takes a presigned PUT only with the signature of the request as it arrives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, headObject, presignPut } from '../../common/s3';
import { startEmbeddedS3 } from '../embedded/s3';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'embedded-s3-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

const object = { bucket: 'media', key: 'products/a/b.pdf', contentType: 'application/pdf' };

async function put(url: string, body: Buffer) {
  const response = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': object.contentType },
  });
  return { status: response.status, text: await response.text() };
}

describe('startEmbeddedS3', () => {
  it('keeps buckets and objects in its directory across restarts', async () => {
    const directory = join(base, 'kept');
    const body = Buffer.from('%PDF-1.7 a small manual');
    const first = await startEmbeddedS3({ directory, buckets: ['media'] });
    const client = createS3Client({ endpoint: first.endpoint, region: 'us-east-1' });
    try {
      const upload = await presignPut(
        client,
        { ...object, byteSize: body.length },
        { expiresInSeconds: 60 },
      );
      expect((await put(upload.url, body)).status).toBe(200);
    } finally {
      client.destroy();
      await first.stop();
    }

    const second = await startEmbeddedS3({ directory, buckets: ['media'] });
    const again = createS3Client({ endpoint: second.endpoint, region: 'us-east-1' });
    try {
      expect(await headObject(again, 'media', object.key)).toEqual({
        contentType: object.contentType,
        byteSize: body.length,
      });
      const served = await fetch(`${second.publicUrl('media')}/${object.key}`);
      expect(Buffer.from(await served.arrayBuffer()).equals(body)).toBe(true);
    } finally {
      again.destroy();
      await second.stop();
    }
  });

  it('refuses a URL signed with another secret, or by an unknown key', async () => {
    const s3 = await startEmbeddedS3({ directory: join(base, 'keys'), buckets: ['media'] });
    const signers = [
      { accessKeyId: 'local', secretAccessKey: 'not-the-secret' },
      { accessKeyId: 'stranger', secretAccessKey: 'local' },
    ].map(
      (credentials) =>
        new S3Client({
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
          credentials,
          requestChecksumCalculation: 'WHEN_REQUIRED',
        }),
    );
    try {
      const codes = [];
      for (const signer of signers) {
        const upload = await presignPut(
          signer,
          { ...object, byteSize: 4 },
          { expiresInSeconds: 60 },
        );
        const refused = await put(upload.url, Buffer.from('%PDF'));
        codes.push([refused.status, /<Code>([^<]+)<\/Code>/.exec(refused.text)?.[1]]);
      }
      expect(codes).toEqual([
        [403, 'SignatureDoesNotMatch'],
        [403, 'InvalidAccessKeyId'],
      ]);
    } finally {
      for (const signer of signers) signer.destroy();
      await s3.stop();
    }
  });
});
