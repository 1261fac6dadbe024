/**
 * `fl.load` from what a browser has (bytes, Blob/File, Response, Request, ReadableStream) and
 * `fl.save(stateDict)` to bytes, here in Node, where the same code runs as in a page. Paths are
 * io.load/io.save's tests; the browser bundle test runs these forms without Node's globals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as io from '../src/io/index.js';

const backend = cpuBackend({ name: 'cpu' });
let server: Server;
let base = '';
let file: Uint8Array = new Uint8Array(0);
let hits = 0;

beforeAll(async () => {
  fl.use(backend);
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/model.safetensors') res.end(file);
    else if (req.url === '/garbage') res.end('not a safetensors file at all');
    else res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fl.removeBackend(backend.name);
});

let live = 0;
beforeEach(() => {
  live = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors).toBe(live);
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

function values(sd: Record<string, fl.Tensor>): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, [t.dtype, t.toArray()]]));
  for (const t of Object.values(sd)) t.dispose();
  return out;
}

describe('fl.save without a path', () => {
  it('resolves to the bytes serialize gives (every dtype), with metadata', async () => {
    const sd = {
      w: fl.tensor([
        [1.5, -2],
        [3, 4],
      ]),
      d: fl.tensor([0.1], { dtype: 'float64' }),
      i: fl.tensor([7, -8], { dtype: 'int32' }),
      b: fl.tensor([true, false], { dtype: 'bool' }),
    };
    const bytes = await fl.save(sd, undefined, { epoch: '3' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes)).toEqual(Array.from(io.serialize(sd, { epoch: '3' })));
    expect(Array.from(await fl.save(sd, null))).toEqual(Array.from(io.serialize(sd)));
    const model = new fl.nn.Linear(2, 1);
    expect(Array.from(await fl.save(model))).toEqual(Array.from(io.serialize(model.stateDict())));
    for (const t of [...Object.values(sd), ...model.parameters()]) t.dispose();
  });

  it('checks the state dict and metadata like the path form', async () => {
    await expect(fl.save(5 as never)).rejects.toThrow(fl.ArgumentError);
    await expect(io.save({ a: 5 } as never)).rejects.toThrow(/fl\.save: "a" is not a Tensor/);
    const t = fl.ones([1]);
    await expect(io.save({ t }, undefined, { a: 1 } as never)).rejects.toThrow(
      /fl\.save: metadata value for "a" must be a string, got number/,
    );
    t.dispose();
    await expect(fl.save({ t })).rejects.toThrow(fl.DisposedTensorError);
  });
});

describe('fl.load from web sources', () => {
  let sd: Record<string, fl.Tensor>;
  let expected: Record<string, unknown>;
  beforeEach(async () => {
    sd = {
      a: fl.tensor([
        [0, 1, 2],
        [3, 4, 5],
      ]),
      n: fl.tensor([1, 2, 3], { dtype: 'int32' }),
    };
    file = await fl.save(sd);
    expected = values(sd);
  });

  it('bytes, an ArrayBuffer, a Blob, a File, a Response, a stream, a Request and a URL', async () => {
    const sources: [string, () => unknown][] = [
      ['Uint8Array', () => file],
      ['ArrayBuffer', () => file.slice().buffer],
      ['Blob', () => new Blob([file])],
      ['File', () => new File([file], 'model.safetensors')],
      ['Response', () => new Response(file)],
      ['ReadableStream', () => new Blob([file]).stream()],
      ['Request', () => new Request(`${base}/model.safetensors`)],
      ['fetched Response', () => fetch(`${base}/model.safetensors`)],
    ];
    for (const [what, make] of sources)
      expect(values(await fl.load((await make()) as fl.io.LoadSource)), what).toEqual(expected);
    const { tensors, metadata } = await fl.io.loadWithMetadata(new Blob([file]));
    expect(metadata).toBeUndefined();
    expect(values(tensors)).toEqual(expected);
  });

  it('a Blob larger than one read chunk loads range by range', async () => {
    // 3M float32 elements span two of the loader's 2M-element chunks
    const x = fl.arange(0, 3_000_000, 1, { dtype: 'float32' });
    const back = await fl.load(new Blob([await fl.save({ x })]));
    const [a, b] = [x.dataSync(), back.x!.dataSync()];
    let same = a.length === b.length;
    for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];
    expect(same).toBe(true);
    back.x!.dispose();
    x.dispose();
  });

  it('HTTP errors, failed fetches, used bodies and malformed data are typed, naming the source', async () => {
    const cases: [() => unknown, typeof fl.FlintError, RegExp][] = [
      [
        () => fetch(`${base}/missing`),
        fl.IOError,
        /^fl\.load: the Response from ".*\/missing" has HTTP status 404 "Not Found", not a success/,
      ],
      [
        () => new Request(`${base.replace(/:\d+$/, ':1')}/x`),
        fl.IOError,
        /^fl\.load: cannot fetch the Request for "http:\/\/127\.0\.0\.1:1\/x": /,
      ],
      [
        () => fetch(`${base}/garbage`),
        fl.FormatError,
        /^fl\.load: the Response from ".*\/garbage" is not a valid safetensors file: header length/,
      ],
      [
        () => new File([file.subarray(0, file.length - 3)], 'cut.safetensors'),
        fl.FormatError,
        /^fl\.load: the File "cut\.safetensors" \(\d+ bytes\) is not a valid safetensors file: .*3 bytes/,
      ],
      [
        () => file.subarray(0, 5),
        fl.FormatError,
        /^fl\.load: the Uint8Array of 5 bytes is not a valid safetensors file: 5 bytes is too short/,
      ],
      [
        async () => {
          const r = new Response(file);
          await r.arrayBuffer();
          return r;
        },
        fl.ArgumentError,
        /^fl\.load: the body of the Response was already read/,
      ],
      [
        () =>
          new ReadableStream({
            start: (c) => c.error(new Error('the network went away')),
          }),
        fl.IOError,
        /^fl\.load: cannot read the stream: .*network went away/,
      ],
    ];
    for (const [make, Err, msg] of cases) {
      const e = await rejection(fl.load((await make()) as fl.io.LoadSource));
      expect(e, String(msg)).toBeInstanceOf(Err);
      expect(e.message).toMatch(msg);
      expect(e.message.length).toBeLessThan(400);
    }
  });

  it('an unknown device fails before anything is fetched', async () => {
    const before = hits;
    const req = new Request(`${base}/model.safetensors`);
    await expect(fl.load(req, { device: 'nowhere' })).rejects.toThrow(fl.DeviceError);
    expect(hits).toBe(before);
  });

  it('wrong kinds are argument errors that list what load takes', async () => {
    for (const bad of [42, {}, [1, 2], new Int32Array(2)]) {
      const e = await rejection(fl.load(bad as never));
      expect(e).toBeInstanceOf(fl.ArgumentError);
      expect(e.message).toMatch(
        /^fl\.load: .*a path \(a string or a file: URL\), a Request, a Response, a Blob/,
      );
    }
  });
});
