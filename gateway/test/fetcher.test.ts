import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeepAliveFetcher } from '../src/fetcher';

let server: Server;
let base: string;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    if (req.url === '/big') {
      res.end('x'.repeat(2_000));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': req.method ?? '' });
      res.end(JSON.stringify({ received: JSON.parse(body || 'null') }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the subgraph fetcher', () => {
  it('posts the body, returns status, headers and JSON, and reuses one connection', async () => {
    const fetcher = createKeepAliveFetcher({ timeoutMs: 1_000 });
    connections = 0;
    for (let i = 0; i < 5; i++) {
      const response = await fetcher(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ a }', i }),
      });
      expect(response.ok).toBe(true);
      expect(response.headers.get('Content-Type')).toBe('application/json');
      expect(response.headers.get('x-echo')).toBe('POST');
      expect(await response.json()).toEqual({ received: { query: '{ a }', i } });
    }
    expect(connections).toBe(1);
    fetcher.destroy();
  });

  it('gives up on a subgraph that does not answer by the deadline', async () => {
    const fetcher = createKeepAliveFetcher({ timeoutMs: 150 });
    await expect(fetcher(`${base}/hang`, { method: 'POST', body: '{}' })).rejects.toThrow(
      'subgraph did not answer within 150 ms',
    );
    fetcher.destroy();
  });

  it('refuses an answer larger than the limit', async () => {
    const fetcher = createKeepAliveFetcher({ timeoutMs: 1_000, maxResponseBytes: 1_000 });
    await expect(fetcher(`${base}/big`)).rejects.toThrow('larger than 1000 bytes');
    fetcher.destroy();
  });
});
