/**
 * `node dist/scripts/mail.js`: the embedded mail server as a service of its own (docker-compose).
 * Accepts every message and writes it to DATA_DIR/mail as an .eml file; nothing is sent on.
 */
import { join } from 'node:path';
import { env, loadConfig, runMain } from '../common/config';
import { startEmbeddedSmtp } from '../dev/embedded/smtp';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';

runMain(async () => {
  const config = loadConfig({
    dataDir: env.string('DATA_DIR', '.data'),
    port: env.port('PORT', 2525),
    host: env.string('HOST', '0.0.0.0'),
  });
  const mailDir = join(config.dataDir, 'mail');
  const mail = await startEmbeddedSmtp({ port: config.port, host: config.host, mailDir });
  createLogger('mail').info('local mail server ready', { url: mail.url, mailDir });
  onShutdown(() => mail.stop());
});
