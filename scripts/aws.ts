/**
 * `node dist/scripts/aws.js`: the embedded SNS/SQS/S3 (fauxqs) as a service of its own
 * (docker-compose), with the store's topic, queues and analytics bucket provisioned. In memory:
 * a restart starts empty (and provisions again).
 */
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { provisionEvents, startEmbeddedAws } from '../dev/embedded/aws';

runMain(async () => {
  const config = loadConfig({
    port: env.port('PORT', 4567),
    host: env.string('HOST', '0.0.0.0'),
    region: env.string('AWS_REGION', 'us-east-1'),
  });
  const aws = await startEmbeddedAws({ port: config.port, host: config.host });
  const resources = await provisionEvents({ endpoint: aws.endpoint, region: config.region });
  createLogger('aws').info('local SNS/SQS/S3 ready', {
    endpoint: aws.endpoint,
    topicArn: resources.topicArn,
    queues: Object.values(resources.queues).map((q) => q.name),
    bucket: resources.analyticsBucket,
  });
  onShutdown(() => aws.stop());
});
