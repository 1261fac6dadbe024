/** A static server on 127.0.0.1 for the page: `/` (HTML), `/bundle.js`, and fixture files. */
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const HTML =
  '<!doctype html><meta charset="utf-8"><title>Flint conformance</title>' +
  '<script type="module" src="/bundle.js"></script>';

export interface Server {
  url: string;
  close(): Promise<void>;
}

/** `file(path)` maps a URL path to a file to stream, or null (404). */
export async function serve(
  bundle: string,
  file: (path: string) => string | null,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end(); // no 404 in the page's console
    } else if (path === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      const f = file(path);
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      createReadStream(f)
        .on('error', () => res.destroy())
        .pipe(res);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
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
