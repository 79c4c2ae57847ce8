import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphiqlHandler } from '../src/graphiql';

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('createGraphiqlHandler', () => {
  const handler = createGraphiqlHandler({ endpoint: '/graphql', title: 'Storefront <GraphiQL>' });
  const handled: Array<{ url: string | undefined; handled: boolean }> = [];
  let server: http.Server;
  let port: number;

  // Node's client sends the path verbatim (no `..` normalization), like a hostile client would.
  const request = (path: string, init: http.RequestOptions = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, ...init }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  const pageAssets = (html: string): string[] =>
    [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)]
      .map((match) => match[1])
      .filter((url) => url.startsWith('/'));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const result = handler(req, res);
      handled.push({ url: req.url, handled: result });
      if (!result) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('fallthrough');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((err) => (err ? reject(err) : resolve())),
    );
  });

  it('serves the HTML page with a CSP and no inline script', async () => {
    for (const path of ['/graphiql', '/graphiql/', '/graphiql?query=%7B__typename%7D']) {
      const res = await request(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>Storefront &lt;GraphiQL&gt;</title>');
      expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);

      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
    }
  });

  it('serves every referenced script and stylesheet', async () => {
    const page = await request('/graphiql');
    const urls = pageAssets(page.body);
    expect(urls.filter((url) => url.endsWith('.js'))).toHaveLength(4);
    expect(urls.filter((url) => url.endsWith('.css'))).toHaveLength(2);

    for (const url of urls) {
      expect(url).toMatch(/^\/graphiql\/assets\/[\w.-]+\.[0-9a-f]{16}\.(js|css)$/);
      const res = await request(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(
        url.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
      // The vendor bundles are large; the generated page.css and boot.js are small.
      const generated = /\/(page|boot)\./.test(url);
      expect(res.body.length).toBeGreaterThan(generated ? 50 : 10_000);
    }
  });

  it('embeds the endpoint in the boot script', async () => {
    const page = await request('/graphiql');
    const boot = pageAssets(page.body).find((url) => url.includes('/boot.'));
    expect(boot).toBeDefined();
    const res = await request(boot ?? '');
    expect(res.body).toContain('var url = "/graphql";');
    expect(res.body).toContain(
      'GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl })',
    );
  });

  it('answers conditional requests with 304', async () => {
    const page = await request('/graphiql');
    const url = pageAssets(page.body).find((asset) => asset.includes('/graphiql.min.'));
    expect(url).toBeDefined();
    const first = await request(url ?? '');
    const etag = first.headers.etag ?? '';

    const second = await request(url ?? '', { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
    expect(second.body).toBe('');
    expect(second.headers.etag).toBe(etag);

    const weakList = await request(url ?? '', { headers: { 'if-none-match': `"x", W/${etag}` } });
    expect(weakList.status).toBe(304);

    const page304 = await request('/graphiql', {
      headers: { 'if-none-match': page.headers.etag ?? '' },
    });
    expect(page304.status).toBe(304);
  });

  it('answers HEAD without a body', async () => {
    const res = await request('/graphiql', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.body).toBe('');
  });

  it('returns 404 for unknown assets and path traversal', async () => {
    for (const path of [
      '/graphiql/assets/../../package.json',
      '/graphiql/assets/..%2F..%2Fpackage.json',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/graphiql.min.0000000000000000.js',
      '/graphiql/assets/',
    ]) {
      handled.length = 0;
      const res = await request(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toBe('Not found\n');
      expect(handled).toEqual([{ url: path, handled: true }]);
    }
  });

  it('leaves other routes to the caller', async () => {
    for (const [path, method] of [
      ['/graphql', 'GET'],
      ['/graphql', 'POST'],
      ['/graphiqlx', 'GET'],
      ['/graphiql', 'POST'],
    ]) {
      handled.length = 0;
      const res = await request(path, { method });
      expect(res.body).toBe('fallthrough');
      expect(handled).toEqual([{ url: path, handled: false }]);
    }
  });

  it('honours a custom base path and an absolute endpoint', async () => {
    const custom = createGraphiqlHandler({
      endpoint: 'https://api.example.com/graphql',
      basePath: '/playground/',
    });
    const other = http.createServer((req, res) => {
      if (!custom(req, res)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('fallthrough');
      }
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port: otherPort } = other.address() as AddressInfo;
    try {
      const page = await request('/playground', { port: otherPort });
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain(
        "connect-src 'self' https://api.example.com;",
      );
      const assets = pageAssets(page.body);
      expect(assets.every((url) => url.startsWith('/playground/assets/'))).toBe(true);
      expect((await request(assets[0], { port: otherPort })).status).toBe(200);
      expect((await request('/graphiql', { port: otherPort })).body).toBe('fallthrough');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('rejects an invalid base path', () => {
    expect(() => createGraphiqlHandler({ endpoint: '/graphql', basePath: 'graphiql' })).toThrow(
      /Invalid GraphiQL basePath/,
    );
  });
});
