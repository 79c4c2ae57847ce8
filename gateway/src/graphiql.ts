import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';

/**
 * Self-contained GraphiQL playground: the page, the GraphiQL/React UMD bundles and a small
 * generated boot script are all served from this process, so the IDE works without any CDN.
 */

export interface GraphiqlOptions {
  /** GraphQL endpoint the IDE sends operations to, relative (`/graphql`) or absolute. */
  endpoint: string;
  /** Page title. */
  title?: string;
  /** Path the IDE is served under. Defaults to `/graphiql`. */
  basePath?: string;
}

export type GraphiqlHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const DEFAULT_QUERY = `# Welcome to the storefront GraphQL playground.
#
# Type a query here and press Ctrl-Enter (or the
# play button) to run it. Ctrl-Space suggests
# fields; the docs explorer is on the left.
#
#   Prettify query:   Shift-Ctrl-P
#   Merge fragments:  Shift-Ctrl-M
#   Run query:        Ctrl-Enter
#
# Example:
#
#   {
#     __typename
#   }
`;

// GraphiQL needs a full-height container; kept out of the page so no inline styles are needed.
const PAGE_CSS = `html,
body {
  height: 100%;
  margin: 0;
  overflow: hidden;
}

#graphiql {
  height: 100vh;
}
`;

const HTML_CACHE_CONTROL = 'no-cache';
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

interface AssetSource {
  /** Package shipping the file, located via its package.json (no package exports its UMD build). */
  pkg: string;
  /** File path inside the package. */
  file: string;
}

/**
 * The complete allow-list of files that can be served. Request paths are only ever matched
 * against these names, never joined onto the filesystem.
 */
const STATIC_ASSETS: readonly AssetSource[] = [
  { pkg: 'react', file: 'umd/react.production.min.js' },
  { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' },
  { pkg: 'graphiql', file: 'graphiql.min.js' },
  { pkg: 'graphiql', file: 'graphiql.min.css' },
];

interface Asset {
  /** Public URL, e.g. `/graphiql/assets/graphiql.min.3f2a9c0d1e4b5a6c.js`. */
  url: string;
  contentType: string;
  etag: string;
  body: Buffer;
}

interface Bundle {
  /** Assets keyed by their hashed file name. */
  assets: Map<string, Asset>;
  html: Buffer;
  htmlEtag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function digest(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot === -1 ? '' : file.slice(dot);
}

/** `/graphiql/` → `/graphiql`; `/` → `` (page at `/`, assets under `/assets/`). */
function normalizeBasePath(basePath: string): string {
  if (!basePath.startsWith('/') || /[?#\s]/.test(basePath)) {
    throw new Error(`Invalid GraphiQL basePath: ${JSON.stringify(basePath)}`);
  }
  return basePath.replace(/\/+$/, '');
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Origin to allow in `connect-src` when the endpoint lives elsewhere; 'self' covers the rest. */
function endpointOrigin(endpoint: string): string | undefined {
  if (!/^https?:\/\//i.test(endpoint)) {
    return undefined;
  }
  return new URL(endpoint).origin;
}

/**
 * - Scripts: only the served assets ('self'); there is no inline script and the bundles use
 *   neither eval/new Function nor workers or blob: URLs.
 * - Styles: 'self' for the stylesheets plus 'unsafe-inline': GraphiQL's Radix dialogs and menus
 *   (react-remove-scroll) inject <style> elements at runtime, without a nonce and with
 *   content that varies, so neither a nonce nor a hash can cover them.
 * - Fonts and a few background images are data: URIs embedded in graphiql.min.css.
 */
function contentSecurityPolicy(endpoint: string): string {
  const origin = endpointOrigin(endpoint);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src 'self'${origin ? ` ${origin}` : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

function bootScript(endpoint: string): string {
  return `'use strict';
(function () {
  var url = ${JSON.stringify(endpoint)};
  // Subscriptions go over a WebSocket (graphql-ws) to the same endpoint.
  var subscriptionUrl = new URL(url, location.href).href.replace(/^http/, 'ws');
  var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
    }),
  );
})();
`;
}

function renderHtml(title: string, assets: Asset[]): string {
  const styles = assets
    .filter((asset) => asset.url.endsWith('.css'))
    .map((asset) => `    <link rel="stylesheet" href="${escapeHtml(asset.url)}" />`);
  const scripts = assets
    .filter((asset) => asset.url.endsWith('.js'))
    .map((asset) => `    <script src="${escapeHtml(asset.url)}" defer></script>`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="data:," />
${styles.join('\n')}
${scripts.join('\n')}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
  </body>
</html>
`;
}

/** `If-None-Match` uses weak comparison (RFC 9110 §13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) {
    return false;
  }
  const opaque = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === opaque);
}

interface Representation {
  body: Buffer;
  etag: string;
  /** Sent with 200 and 304 alike. */
  headers: Record<string, string>;
  /** Sent with 200 only. */
  contentHeaders: Record<string, string>;
}

function send(req: IncomingMessage, res: ServerResponse, rep: Representation): void {
  const headers = { ...rep.headers, etag: rep.etag };
  if (matchesEtag(req.headers['if-none-match'], rep.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    ...rep.contentHeaders,
    'content-length': String(rep.body.length),
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : rep.body);
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  const body = Buffer.from('Not found\n');
  res.writeHead(404, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': HTML_CACHE_CONTROL,
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function createGraphiqlHandler(options: GraphiqlOptions): GraphiqlHandler {
  const { endpoint, title = 'GraphiQL' } = options;
  const basePath = normalizeBasePath(options.basePath ?? '/graphiql');
  const assetPrefix = `${basePath}/assets/`;
  const csp = contentSecurityPolicy(endpoint);

  // Resolve eagerly so a missing package fails at startup; read lazily on first use.
  const sources = STATIC_ASSETS.map(({ pkg, file }) => ({
    file,
    path: join(dirname(require.resolve(`${pkg}/package.json`)), file),
  }));

  let bundle: Bundle | undefined;

  const load = (): Bundle => {
    const files = [
      ...sources.map(({ file, path }) => ({ file, body: readFileSync(path) })),
      { file: 'page.css', body: Buffer.from(PAGE_CSS) },
      { file: 'boot.js', body: Buffer.from(bootScript(endpoint)) },
    ];
    const assets = files.map(({ file, body }): Asset => {
      const hash = digest(body);
      const name = file.slice(file.lastIndexOf('/') + 1);
      const ext = extensionOf(name);
      return {
        url: `${assetPrefix}${name.slice(0, name.length - ext.length)}.${hash.slice(0, 16)}${ext}`,
        contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
        etag: `"${hash}"`,
        body,
      };
    });
    const html = Buffer.from(renderHtml(title, assets));
    return {
      assets: new Map(assets.map((asset) => [asset.url.slice(assetPrefix.length), asset])),
      html,
      htmlEtag: `"${digest(html)}"`,
    };
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return false;
    }
    // Deliberately not normalized (no URL parsing of `..`): names are matched exactly below.
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);

    if (pathname === basePath || pathname === `${basePath}/`) {
      bundle ??= load();
      send(req, res, {
        body: bundle.html,
        etag: bundle.htmlEtag,
        headers: { 'cache-control': HTML_CACHE_CONTROL },
        contentHeaders: {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': csp,
          'referrer-policy': 'no-referrer',
        },
      });
      return true;
    }

    if (pathname.startsWith(assetPrefix)) {
      bundle ??= load();
      const asset = bundle.assets.get(pathname.slice(assetPrefix.length));
      if (!asset) {
        notFound(req, res);
        return true;
      }
      send(req, res, {
        body: asset.body,
        etag: asset.etag,
        headers: { 'cache-control': ASSET_CACHE_CONTROL },
        contentHeaders: { 'content-type': asset.contentType },
      });
      return true;
    }

    return false;
  };
}
