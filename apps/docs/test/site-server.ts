/**
 * A static server for the built site (apps/docs/dist) on 127.0.0.1, as a host serves it:
 * `/guide/io.html` and `/guide/io` alike, `/dir/` → `dir/index.html`, the site's 404.html with
 * status 404 for anything else (which the browser test counts as a failed request).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface SiteServer {
  url: string;
  close(): Promise<void>;
}

/** The file a URL path names in `dist`, or null. Paths cannot leave `dist`. */
export function fileFor(dist: string, urlPath: string): string | null {
  const path = normalize(decodeURIComponent(urlPath)).replace(/^(\.\.(\/|$))+/, '');
  const base = join(dist, path);
  if (!base.startsWith(dist)) return null;
  const candidates = path.endsWith('/') ? [join(base, 'index.html')] : [base, `${base}.html`];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

export async function serveSite(dist: string): Promise<SiteServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = fileFor(dist, url.pathname);
    const status = file ? 200 : 404;
    const body = file ?? join(dist, '404.html');
    res.writeHead(status, {
      'content-type': TYPES[extname(body)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(body)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
