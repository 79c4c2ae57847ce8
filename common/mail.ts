/**
 * Outgoing email. In production over Amazon SES's SMTP interface; locally an in-process server
 * (dev/embedded/smtp.ts).
 *
 * Amazon SES: create SMTP credentials for an IAM user (they are not the user's access keys) and
 * verify the sending domain or address (MAIL_FROM's). Then
 *
 *   SMTP_URL=smtp://<SMTP user name>:<SMTP password>@email-smtp.<region>.amazonaws.com:587
 *
 * Port 587 starts in plain text and upgrades with STARTTLS; because the URL carries credentials
 * and the host is not local, TLS is required before they are sent (`requireTLS`), so a server
 * that does not offer STARTTLS is refused instead of receiving the password in clear. SES also
 * accepts implicit TLS: `smtps://…@email-smtp.<region>.amazonaws.com:465`. SES SMTP passwords
 * contain `/` and `+`: percent-encode the user name and password in the URL
 * (`encodeURIComponent`). Query parameters override the defaults: `?requireTLS=false`,
 * `?maxConnections=5`, `?rateLimit=14` (messages per second, SES's sending quota).
 *
 * SES replaces the Message-ID header with its own value, so recipients' mail systems see SES's
 * id; the stable id is therefore also sent as `X-Storefront-Message-Id`, which SES keeps (and
 * includes in its delivery, bounce and complaint notifications when "original headers" are on).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * A stable id for this message (for example derived from the event that caused it), sent as
   * the Message-ID so a redelivery of the same message can be recognised.
   */
  messageId: string;
}

export interface Mailer {
  /** Resolves once the mail server has accepted the message; rejects when it has not. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * The mail server did not accept a message. `permanent` is true when it refused the envelope
 * with a 5xx reply (the recipient or sender address is not accepted): sending the same message
 * again will not help. Anything else (no connection, a timeout, a 4xx reply, a rejected
 * message body) may succeed later.
 */
export class MailRejectedError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode: number | undefined,
  ) {
    super(message);
    this.name = 'MailRejectedError';
  }
}

/** The header that carries the stable message id past servers that replace Message-ID. */
export const MESSAGE_ID_HEADER = 'X-Storefront-Message-Id';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (implicit TLS). */
  url: string;
  /** The sender, for example `Storefront <orders@example.com>`. */
  from: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Nodemailer pool options for an SMTP URL (exported for tests and diagnostics). */
export function smtpTransportOptions(rawUrl: string): SMTPPool.Options {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new Error('the SMTP URL is not a valid URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`the SMTP URL must start with smtp:// or smtps:// (got ${url.protocol}//)`);
  }
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const host = url.hostname;
  const options: SMTPPool.Options = {
    pool: true,
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && user !== '' && !LOOPBACK.has(host),
    ...(user !== '' ? { auth: { user, pass } } : {}),
    maxConnections: 3,
    maxMessages: 100,
    // Fail fast: a send that cannot complete is retried later by the caller.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    dnsTimeout: 10_000,
    logger: false,
    debug: false,
  };
  const flag = (name: string): boolean | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null) return undefined;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    throw new Error(`the SMTP URL parameter ${name} must be true or false`);
  };
  const count = (name: string): number | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      throw new Error(`the SMTP URL parameter ${name} must be a positive whole number`);
    }
    return Number(raw);
  };
  const requireTLS = flag('requireTLS');
  if (requireTLS !== undefined) options.requireTLS = requireTLS;
  const maxConnections = count('maxConnections');
  if (maxConnections !== undefined) options.maxConnections = maxConnections;
  const rateLimit = count('rateLimit');
  if (rateLimit !== undefined) {
    options.rateLimit = rateLimit;
    options.rateDelta = 1_000;
  }
  return options;
}

/** The domain of the sender's address, for message ids: `example.com` for `Shop <a@example.com>`. */
function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match ? match[1].toLowerCase() : 'localhost';
}

/** `<id>` as given, or `<id@domain>` for an id without a domain; unsafe characters removed. */
export function formatMessageId(id: string, domain: string): string {
  const bare = id.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]/g, '');
  if (bare === '') throw new Error('a message id is required');
  return bare.includes('@') ? `<${bare}>` : `<${bare}@${domain}>`;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
}

function toRejection(error: unknown): MailRejectedError {
  const cause = error as NodemailerError;
  const responseCode = typeof cause?.responseCode === 'number' ? cause.responseCode : undefined;
  const permanent =
    cause?.code === 'EENVELOPE' && responseCode !== undefined && responseCode >= 500;
  const text = error instanceof Error ? error.message : String(error);
  return new MailRejectedError(
    `the mail server did not accept the message: ${text}`,
    permanent,
    responseCode,
  );
}

/**
 * A Mailer over SMTP with a small pool of reused connections. `send` resolves when the server
 * has answered the message with 250 (accepted for delivery) and rejects with a
 * MailRejectedError otherwise; it never retries by itself.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport(
    smtpTransportOptions(options.url),
  );
  const domain = senderDomain(options.from);
  let closed = false;
  return {
    async send(message) {
      if (closed) throw new MailRejectedError('the mailer is closed', false, undefined);
      const messageId = formatMessageId(message.messageId, domain);
      try {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
          messageId,
          headers: { [MESSAGE_ID_HEADER]: messageId },
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (error) {
        throw toRejection(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
