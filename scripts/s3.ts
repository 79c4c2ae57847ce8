/**
 * `node dist/scripts/s3.js`: the embedded S3 (s3rver, see dev/embedded/s3.ts) as a service of its
 * own (docker-compose). Holds the media bucket in DATA_DIR/s3, takes presigned PUTs whose SigV4
 * signature checks out and serves the files to anyone, as the CDN does.
 */
import { join } from 'node:path';
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { startEmbeddedS3 } from '../dev/embedded/s3';

runMain(async () => {
  const config = loadConfig({
    dataDir: env.string('DATA_DIR', '.data'),
    port: env.port('PORT', 4568),
    host: env.string('HOST', '0.0.0.0'),
    bucket: env.string('MEDIA_BUCKET', 'store-media'),
  });
  const directory = join(config.dataDir, 's3');
  const s3 = await startEmbeddedS3({
    port: config.port,
    host: config.host,
    directory,
    buckets: [config.bucket],
  });
  createLogger('s3').info('local S3 ready', {
    endpoint: s3.endpoint,
    bucket: config.bucket,
    directory,
  });
  onShutdown(() => s3.stop());
});
