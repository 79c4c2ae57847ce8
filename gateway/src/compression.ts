/**
 * Response compression with Node's zlib: brotli or gzip, whichever the client prefers among
 * those it accepts, for bodies of at least `minBytes`. Compression runs on libuv's thread pool
 * (the async zlib calls), so a large response does not hold up other requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { mergeVary } from './http-cache';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip';

/** The encoding to use for an `Accept-Encoding` header: the highest q-value, brotli on a tie. */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  let best: { encoding: Encoding; q: number } | null = null;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(name.trim(), q ? Number(q[1]) : 1);
  }
  for (const encoding of ['br', 'gzip'] as const) {
    const q = weights.get(encoding) ?? weights.get('*') ?? 0;
    if (q > 0 && (!best || q > best.q)) best = { encoding, q };
  }
  return best?.encoding ?? null;
}

/** An `encode` hook for the HTTP front: compresses the body and sets the headers that go with it. */
export function compressor(minBytes: number) {
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
  ): Promise<string | Buffer> => {
    // Added to what the response varies on already (the origin, the caller).
    res.setHeader('vary', mergeVary(res.getHeader('vary'), 'accept-encoding'));
    const size = Buffer.byteLength(body);
    // A 304 has no body to compress.
    const encoding =
      size >= minBytes && size > 0 && res.statusCode !== 304
        ? negotiateEncoding(req.headers['accept-encoding'])
        : null;
    if (!encoding) return body;
    const compressed =
      encoding === 'br'
        ? await brotli(body, {
            params: {
              // Quality 4: most of brotli's gain at a fraction of the default's (11) CPU.
              [constants.BROTLI_PARAM_QUALITY]: 4,
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              [constants.BROTLI_PARAM_SIZE_HINT]: size,
            },
          })
        : await gzipAsync(body, { level: 6 });
    res.setHeader('content-encoding', encoding);
    res.setHeader('content-length', compressed.length);
    return compressed;
  };
}
