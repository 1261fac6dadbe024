/**
 * The browser tests' page: a `*.page.ts` entry bundled for the browser and served from
 * http://127.0.0.1 (WebGPU needs a secure context; file:// is not one). Shared by
 * browser-webgpu.test.ts and leak.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Bundles `entry` (a URL next to the test) into one ES module. */
export async function bundlePage(entry: URL): Promise<string> {
  const r = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

/** Serves `js` as /bundle.js under an empty page at /, on a free port. */
export async function servePage(js: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/')
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>',
        );
    else res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
