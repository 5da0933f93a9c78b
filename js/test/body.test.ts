// Contract §4: body, chunkedEncoding, write/end, finish; piping in and out.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, record, serve, settle } from './helpers.js';

interface Received {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  sha256: string;
  length: number;
}

/** A server that answers with what it received. */
function echoServer(t: Parameters<typeof serve>[0]) {
  return serve(t, async (req, res) => {
    const body = await readAll(req);
    const received: Received = {
      method: req.method ?? '',
      headers: req.headers,
      sha256: createHash('sha256').update(body).digest('hex'),
      length: body.length,
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(received));
  });
}

async function received(response: IncomingMessage): Promise<Received> {
  return JSON.parse((await readAll(response)).toString()) as Received;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('chunkedEncoding can only be set once, and only before the request starts', () => {
  const request = net.request({ url: 'http://127.0.0.1/', method: 'POST' });
  assert.equal(request.chunkedEncoding, false);
  request.chunkedEncoding = true;
  assert.equal(request.chunkedEncoding, true);
  assert.throws(() => (request.chunkedEncoding = false), { message: 'chunkedEncoding can only be set once' });
  const started = net.request({ url: 'http://127.0.0.1:9/', method: 'POST' });
  started.on('error', () => {});
  started.end();
  assert.throws(() => (started.chunkedEncoding = true), {
    message: 'chunkedEncoding can only be set before the request is started',
  });
  started.abort();
});

test('a buffered body of several MB goes out whole, with Content-Length', async (t) => {
  const server = await echoServer(t);
  const body = randomBytes(5 * 1024 * 1024 + 7);
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  for (let at = 0; at < body.length; at += 100_000) {
    request.write(body.subarray(at, at + 100_000));
  }
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  const echo = await received(response);
  assert.equal(echo.headers['content-length'], String(body.length));
  assert.equal(echo.headers['transfer-encoding'], undefined);
  assert.equal(echo.sha256, sha256(body));
  assert.deepEqual(request.getUploadProgress(), { active: true, started: true, current: body.length, total: body.length });
});

test('a chunked body of several MB streams with backpressure (write false, then drain)', async (t) => {
  const server = await echoServer(t);
  const body = randomBytes(6 * 1024 * 1024);
  const request = net.request({ url: `${server.url}/`, method: 'PUT' });
  request.chunkedEncoding = true;
  let refusals = 0;
  for (let at = 0; at < body.length; at += 64 * 1024) {
    if (!request.write(body.subarray(at, at + 64 * 1024))) {
      refusals++;
      await event(request, 'drain');
    }
  }
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  const echo = await received(response);
  assert.ok(refusals > 0, 'write() never returned false');
  assert.equal(echo.headers['transfer-encoding'], 'chunked');
  assert.equal(echo.headers['content-length'], undefined);
  assert.equal(echo.length, body.length);
  assert.equal(echo.sha256, sha256(body));
});

test('end() without a body sends Content-Length: 0 for POST; GET may carry a body', async (t) => {
  const server = await echoServer(t);
  const post = net.request({ url: `${server.url}/`, method: 'POST' });
  post.end();
  const [postResponse] = await event<[IncomingMessage]>(post, 'response');
  assert.equal((await received(postResponse)).headers['content-length'], '0');

  const get = net.request(`${server.url}/`);
  get.end('hello');
  const [getResponse] = await event<[IncomingMessage]>(get, 'response');
  const echo = await received(getResponse);
  assert.equal(echo.method, 'GET');
  assert.equal(echo.length, 5);
});

test("write after end reports 'write after end' and the request goes on", async (t) => {
  const server = await echoServer(t);
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  request.end('body');
  const callbackError = new Promise<Error | null | undefined>((resolve) => request.write('more', resolve));
  const [emitted] = await event<[Error]>(request, 'error');
  assert.equal(emitted.message, 'write after end');
  assert.equal((await callbackError)?.message, 'write after end');
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal((await received(response)).length, 4);
});

test('finish follows end() for a buffered body', async (t) => {
  const server = await echoServer(t);
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  const events = record(request);
  request.write('abc');
  await settle();
  assert.deepEqual(events.request, []);
  request.end();
  await event(request, 'finish');
  assert.equal(events.request[0], 'finish');
  await event(request, 'response');
});

test('a Readable pipes into a chunked request, and the response pipes out', async (t) => {
  // The component stops uploading once the response head arrives, so the server reads the whole
  // body before answering (as a full-duplex echo would stall; see the package README).
  const server = await serve(t, async (req, res) => res.end(await readAll(req)));
  const parts = Array.from({ length: 200 }, (_, i) => Buffer.alloc(10_000, i % 256));
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  request.chunkedEncoding = true;
  const out: Buffer[] = [];
  const download = event<[IncomingMessage]>(request, 'response').then(([response]) =>
    pipeline(
      response,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out.push(chunk);
          callback();
        },
      }),
    ),
  );
  await pipeline(Readable.from(parts), request);
  await download;
  assert.deepEqual(Buffer.concat(out), Buffer.concat(parts));
});

test('a Readable pipes into a buffered request', async (t) => {
  const server = await echoServer(t);
  const body = randomBytes(300_000);
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  const responded = event<[IncomingMessage]>(request, 'response');
  Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]).pipe(request);
  const echo = await received((await responded)[0]);
  assert.equal(echo.headers['content-length'], String(body.length));
  assert.equal(echo.sha256, sha256(body));
});

test('upload progress: inactive before, then reported as upload-progress events', async (t) => {
  const server = await echoServer(t);
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  assert.deepEqual(request.getUploadProgress(), { active: false, started: false, current: 0, total: 0 });
  const progress: Array<[number, number]> = [];
  request.on('upload-progress', (current: number, total: number) => progress.push([current, total]));
  request.end(Buffer.alloc(1000));
  await event(request, 'response');
  assert.deepEqual(progress.at(-1), [1000, 1000]);
});

test('a buffered body over 128 MiB fails with a clear error instead of exhausting memory', async (t) => {
  const server = await serve(t, (_req, res) => res.end());
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  const failed = event<[Error]>(request, 'error');
  request.write(Buffer.alloc(128 << 20, 1));
  request.write(Buffer.from('one byte too many'));
  const [error] = await failed;
  assert.equal(error.message, 'The request body exceeds 128 MiB; send larger bodies with chunkedEncoding');
});
