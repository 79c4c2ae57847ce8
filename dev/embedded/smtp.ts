/**
 * An in-process SMTP server for local runs and tests (smtp-server). It accepts every message
 * (authentication optional, any credentials; no TLS), keeps what it received in memory, and with
 * `mailDir` also writes each message as `<timestamp>-<message-id>.eml`, which any mail program
 * opens, so a developer can read what the store sent. It answers 250 only once the message is
 * recorded. Nothing here is meant to face the internet.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface EmbeddedSmtpOptions {
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Directory (created if missing) where every received message is written as an .eml file. */
  mailDir?: string;
}

/** A message as the server received it, with the parts tests look at decoded. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  mailFrom: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** The From header, decoded. */
  from: string;
  subject: string;
  /** The Message-ID header as sent, with its angle brackets; '' when there is none. */
  messageId: string;
  /** The first text/plain part (or a text/plain body), decoded; '' when there is none. */
  text: string;
  /** The first text/html part, decoded; undefined when there is none. */
  html?: string;
  /** Every header of the message (names in lower case, folded lines joined, words decoded). */
  headers: Record<string, string>;
  /** The message exactly as received. */
  raw: string;
  receivedAt: Date;
  /** Where the .eml file was written, with `mailDir`. */
  file?: string;
}

export interface EmbeddedSmtp {
  /** `smtp://127.0.0.1:<port>` for createSmtpMailer. */
  url: string;
  port: number;
  /** What this server has received so far, oldest first. */
  messages(): ReceivedMail[];
  /**
   * Stops listening and drops open connections at once (a message being received is not
   * accepted). Idempotent. A new server can then be started on the same port.
   */
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export async function startEmbeddedSmtp(options: EmbeddedSmtpOptions = {}): Promise<EmbeddedSmtp> {
  const host = options.host ?? '127.0.0.1';
  const mailDir = options.mailDir === undefined ? undefined : resolve(options.mailDir);
  if (mailDir !== undefined) await mkdir(mailDir, { recursive: true });
  const received: ReceivedMail[] = [];
  const sockets = new Set<Socket>();

  const server = new SMTPServer({
    name: 'storefront-mail.local',
    banner: 'storefront embedded mail server',
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = parseMail(raw, session);
        const write = mailDir === undefined ? Promise.resolve() : saveMail(mailDir, mail);
        write.then(
          () => {
            received.push(mail);
            callback(null, `queued as ${mail.messageId || 'message'}`);
          },
          (error: unknown) => {
            const reason = error instanceof Error ? error.message : String(error);
            callback(
              Object.assign(new Error(`cannot store the message: ${reason}`), {
                responseCode: 451,
              }),
            );
          },
        );
      });
    },
  });
  server.on('error', () => undefined);
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = await new Promise<number>((resolvePort, reject) => {
    const onError = (error: Error) => reject(error);
    server.server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('the mail server is not listening on a TCP port'));
      } else {
        resolvePort(address.port);
      }
    });
  }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `embedded mail server cannot listen on ${host}:${options.port ?? 0}: ${reason}`,
    );
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    new Promise<void>((resolveStop) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolveStop();
      };
      server.close(finish);
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    });

  return {
    url: `smtp://${urlHost(host)}:${port}`,
    port,
    messages: () => [...received],
    stop: () => (stopping ??= stop()),
  };
}

async function saveMail(dir: string, mail: ReceivedMail): Promise<void> {
  const stamp = mail.receivedAt.toISOString().replace(/[:.]/g, '-');
  const id = mail.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_') || 'no-id';
  const file = join(dir, `${stamp}-${id.slice(0, 160)}.eml`);
  await writeFile(file, mail.raw, 'utf8');
  mail.file = file;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

// ---- just enough MIME to read what we send ------------------------------------------------------

interface Part {
  headers: Record<string, string>;
  body: string;
}

function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const root = splitPart(raw);
  const { text, html } = findBodies(root, true);
  const envelope = session.envelope;
  return {
    mailFrom: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
    to: envelope.rcptTo.map((r) => r.address),
    from: root.headers.from ?? '',
    subject: root.headers.subject ?? '',
    messageId: (root.headers['message-id'] ?? '').trim(),
    text: text ?? '',
    ...(html !== undefined ? { html } : {}),
    headers: root.headers,
    raw,
    receivedAt: new Date(),
  };
}

/** Headers (unfolded, encoded words decoded) and the undecoded body of one MIME entity. */
function splitPart(raw: string): Part {
  const normalised = raw.replace(/\r\n/g, '\n');
  const end = normalised.indexOf('\n\n');
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const body = end === -1 ? '' : normalised.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name in headers) continue;
    headers[name] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/**
 * The first text/plain and text/html bodies. `top`: the message's own body, which ends with the
 * line break before the end of DATA (in a multipart one, that break belongs to the boundary).
 */
function findBodies(part: Part, top: boolean): { text?: string; html?: string } {
  const contentType = part.headers['content-type'] ?? 'text/plain';
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = parameter(contentType, 'boundary');
    if (!boundary) return {};
    const found: { text?: string; html?: string } = {};
    for (const child of splitMultipart(part.body, boundary)) {
      const bodies = findBodies(splitPart(child), false);
      found.text ??= bodies.text;
      found.html ??= bodies.html;
    }
    return found;
  }
  if (mediaType !== 'text/plain' && mediaType !== 'text/html') return {};
  const decoded = decodeBody(
    top ? part.body.replace(/\n$/, '') : part.body,
    part.headers['content-transfer-encoding'] ?? '7bit',
    parameter(contentType, 'charset') ?? 'utf-8',
  );
  return mediaType === 'text/plain' ? { text: decoded } : { html: decoded };
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  const delimiter = `--${boundary}`;
  let current: string[] | undefined;
  for (const line of body.split('\n')) {
    if (line.startsWith(delimiter)) {
      if (current) parts.push(current.join('\n'));
      if (line.startsWith(`${delimiter}--`)) return parts;
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

function parameter(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodeBody(body: string, encoding: string, charset: string): string {
  const bytes = (() => {
    switch (encoding.trim().toLowerCase()) {
      case 'base64':
        return Buffer.from(body.replace(/\s+/g, ''), 'base64');
      case 'quoted-printable':
        return quotedPrintable(body.replace(/=\n/g, ''));
      default:
        return Buffer.from(body, 'utf8');
    }
  })();
  return toText(bytes, charset);
}

function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function toText(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=`, `=?utf-8?B?...?=`) in a header value. */
function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_word, charset: string, kind, text: string) => {
      const bytes =
        kind.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : quotedPrintable(text.replace(/_/g, ' '));
      return toText(bytes, charset.replace(/\*.*$/, ''));
    });
}
