/**
 * The SMTP mailer (nodemailer, pooled) against the embedded mail server that `npm start` and the
 * tests use, and the transport settings it derives from SMTP_URL for Amazon SES.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSmtp, type EmbeddedSmtp } from '../../dev/embedded/smtp';
import { createSmtpMailer, MailRejectedError, smtpTransportOptions, type Mailer } from '../mail';

const from = 'Storefront <orders@example.com>';
const mailDir = mkdtempSync(join(tmpdir(), 'storefront-mail-'));
let smtp: EmbeddedSmtp;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startEmbeddedSmtp({ mailDir });
  mailer = createSmtpMailer({ url: smtp.url, from });
});

afterAll(async () => {
  await mailer?.close();
  await smtp?.stop();
  rmSync(mailDir, { recursive: true, force: true });
});

describe('the SMTP mailer', () => {
  it('sends text and HTML with the stable message id, from the configured sender', async () => {
    await mailer.send({
      to: 'ana@example.test',
      subject: 'Order #100200 confirmed – 2 × “Tee” for 39.98 €',
      text: 'Hello Ana,\n\n2 × Tee — 39.98 €\n',
      html: '<p>Hello Ana, 2 &times; Tee</p>',
      messageId: 'order.placed.5f0c3c1e-4a7b-4f11-9d2e-1a2b3c4d5e6f',
    });

    const [mail] = smtp.messages().filter((m) => m.to.includes('ana@example.test'));
    expect(mail).toMatchObject({
      mailFrom: 'orders@example.com',
      to: ['ana@example.test'],
      from,
      subject: 'Order #100200 confirmed – 2 × “Tee” for 39.98 €',
      messageId: '<order.placed.5f0c3c1e-4a7b-4f11-9d2e-1a2b3c4d5e6f@example.com>',
      text: 'Hello Ana,\n\n2 × Tee — 39.98 €\n',
      html: '<p>Hello Ana, 2 &times; Tee</p>',
    });
    expect(mail.headers['x-storefront-message-id']).toBe(mail.messageId);
  });

  it('writes every received message to the mail directory as an .eml file a mail program opens', async () => {
    await mailer.send({
      to: 'ben@example.test',
      subject: 'Your order has shipped',
      text: 'On its way.',
      messageId: 'order.fulfilled.0b9e6a52-53a3-4a0e-b1f4-8c1c2d3e4f50',
    });

    const [mail] = smtp.messages().filter((m) => m.to.includes('ben@example.test'));
    expect(mail.text).toBe('On its way.');
    expect(mail.html).toBeUndefined();
    const files = readdirSync(mailDir).filter((f) =>
      f.endsWith('-order.fulfilled.0b9e6a52-53a3-4a0e-b1f4-8c1c2d3e4f50@example.com.eml'),
    );
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-/);
    expect(mail.file).toBe(join(mailDir, files[0]));
    const eml = readFileSync(join(mailDir, files[0]), 'utf8');
    expect(eml).toBe(mail.raw);
    expect(eml).toMatch(/^Subject: Your order has shipped\r?$/m);
  });

  it('fails a send while the server is down, and sends again once it is back on the same port', async () => {
    const server = await startEmbeddedSmtp();
    const port = server.port;
    const own = createSmtpMailer({ url: server.url, from });
    let again: EmbeddedSmtp | undefined;
    try {
      await own.send({ to: 'c@example.test', subject: 'one', text: '1', messageId: 'm1' });
      await server.stop();

      const failure = await own
        .send({ to: 'c@example.test', subject: 'two', text: '2', messageId: 'm2' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(MailRejectedError);
      expect(failure).toMatchObject({ permanent: false });

      again = await startEmbeddedSmtp({ port });
      await own.send({ to: 'c@example.test', subject: 'three', text: '3', messageId: 'm3' });
      expect(server.messages().map((m) => m.subject)).toEqual(['one']);
      expect(again.messages().map((m) => m.subject)).toEqual(['three']);
    } finally {
      await own.close();
      await again?.stop();
    }
  });

  it('signs in when the URL carries credentials (the embedded server takes any)', async () => {
    const url = smtp.url.replace('smtp://', 'smtp://store:s3cr%2Ft@');
    const authenticated = createSmtpMailer({ url, from });
    try {
      await authenticated.send({
        to: 'd@example.test',
        subject: 'auth',
        text: 'x',
        messageId: 'a1',
      });
      expect(smtp.messages().filter((m) => m.to.includes('d@example.test'))).toHaveLength(1);
    } finally {
      await authenticated.close();
    }
  });
});

describe('SMTP_URL', () => {
  it('for Amazon SES on 587: STARTTLS required before the credentials go out, pooled, with timeouts', () => {
    const options = smtpTransportOptions(
      'smtp://AKIAEXAMPLE:BFa%2Bsecret%2Fpart@email-smtp.eu-west-1.amazonaws.com:587',
    );
    expect(options).toMatchObject({
      pool: true,
      host: 'email-smtp.eu-west-1.amazonaws.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'AKIAEXAMPLE', pass: 'BFa+secret/part' },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  });

  it('smtps:// is implicit TLS; a local server without credentials needs no TLS; parameters override', () => {
    expect(smtpTransportOptions('smtps://u:p@email-smtp.us-east-1.amazonaws.com')).toMatchObject({
      secure: true,
      port: 465,
      requireTLS: false,
    });
    expect(smtpTransportOptions('smtp://127.0.0.1:2525')).toMatchObject({
      secure: false,
      port: 2525,
      requireTLS: false,
    });
    expect(smtpTransportOptions('smtp://127.0.0.1:2525').auth).toBeUndefined();
    expect(
      smtpTransportOptions(
        'smtp://u:p@mail.internal:25?requireTLS=false&maxConnections=2&rateLimit=14',
      ),
    ).toMatchObject({ requireTLS: false, maxConnections: 2, rateLimit: 14, rateDelta: 1_000 });
    expect(() => smtpTransportOptions('http://mail.example.com')).toThrow(
      /smtp:\/\/ or smtps:\/\//,
    );
  });
});
