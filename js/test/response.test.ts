// Contract §9: the IncomingMessage: head, header folding, raw headers, backpressure.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, serve, serveRaw } from './helpers.js';

async function get(url: string): Promise<IncomingMessage> {
  const request = net.request(url);
  request.end();
  return (await event<[IncomingMessage]>(request, 'response'))[0];
}

/** Answers with exactly these bytes, whatever was asked. */
function rawResponse(t: Parameters<typeof serve>[0], head: string, body = '') {
  return serveRaw(t, (socket) => {
    socket.once('data', () => socket.end(`${head}\r\ncontent-length: ${body.length}\r\n\r\n${body}`));
  });
}

test('status, message and HTTP version', async (t) => {
  const server = await serve(t, (_req, res) => res.writeHead(404).end());
  const response = await get(`${server.url}/`);
  assert.equal(response.statusCode, 404);
  assert.equal(response.statusMessage, 'Not Found');
  assert.equal(response.httpVersion, '1.1');
  assert.equal(response.httpVersionMajor, 1);
  assert.equal(response.httpVersionMinor, 1);
});

test('set-cookie is always an array, with one entry per line', async (t) => {
  const server = await rawResponse(
    t,
    'HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT\r\nSet-Cookie: b=2',
  );
  const response = await get(`${server.url}/`);
  assert.deepEqual(response.headers['set-cookie'], ['a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT', 'b=2']);

  const single = await serve(t, (_req, res) => res.setHeader('set-cookie', 'only=1').end());
  assert.deepEqual((await get(`${single.url}/`)).headers['set-cookie'], ['only=1']);
});

test('headers fold like Electron: some keep the first value, others join with ", "', async (t) => {
  const server = await rawResponse(
    t,
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\nX-Custom: one\r\nx-custom: two\r\nServer: s1\r\nServer: s2',
  );
  const response = await get(`${server.url}/`);
  assert.equal(response.headers['content-type'], 'text/plain');
  assert.equal(response.headers['x-custom'], 'one, two');
  assert.equal(response.headers['server'], 's1');
  assert.ok(Object.keys(response.headers).every((name) => name === name.toLowerCase()));
});

test('rawHeaders keep wire order and case, repeats included', async (t) => {
  const server = await rawResponse(t, 'HTTP/1.1 200 OK\r\nX-UPPER: 1\r\nx-lower: 2\r\nSet-Cookie: a=1\r\nX-Mixed-Case: 3\r\nset-cookie: b=2', 'ok');
  const response = await get(`${server.url}/`);
  assert.deepEqual(response.rawHeaders, [
    'X-UPPER', '1',
    'x-lower', '2',
    'Set-Cookie', 'a=1',
    'X-Mixed-Case', '3',
    'set-cookie', 'b=2',
    'content-length', '2',
  ]);
});

test('trailers are not supported', async (t) => {
  const server = await serve(t, (_req, res) => res.end());
  const response = await get(`${server.url}/`);
  assert.throws(() => response.trailers, { message: 'HTTP trailers are not supported' });
  assert.throws(() => response.rawTrailers, { message: 'HTTP trailers are not supported' });
});

test('an unread response slows the server down, and then arrives whole', async (t) => {
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const total = 40;
  let accepted = 0;
  const server = await serve(t, async (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': String(chunk.length * total) });
    for (let i = 0; i < total; i++) {
      if (!res.write(chunk)) {
        await event(res, 'drain');
      }
      accepted++;
    }
    res.end();
  });
  const response = await get(`${server.url}/`);
  await sleep(2000);
  const acceptedWhileUnread = accepted;
  t.diagnostic(`server wrote ${acceptedWhileUnread} MiB in 2 s to a client that did not read`);
  // Electron's own test allows 25; the socket buffers of a loopback connection hold a few MiB.
  assert.ok(acceptedWhileUnread < 25, `${acceptedWhileUnread} MiB accepted`);
  const body = await readAll(response);
  assert.equal(body.length, chunk.length * total);
  assert.equal(accepted, total);
});

test('a paused response is not read further until resumed', async (t) => {
  let sent = 0;
  const server = await serve(t, async (_req, res: ServerResponse) => {
    for (;;) {
      const ok = res.write(Buffer.alloc(64 * 1024));
      sent += 64 * 1024;
      if (!ok) {
        await event(res, 'drain');
      }
      if (sent > 64 * 1024 * 1024) {
        return res.end();
      }
    }
  });
  const response = await get(`${server.url}/`);
  let received = 0;
  response.on('data', (data: Buffer) => {
    received += data.length;
    if (received >= 1024 * 1024) {
      response.pause();
    }
  });
  await sleep(500);
  const whilePaused = received;
  await sleep(500);
  assert.equal(received, whilePaused);
  response.destroy();
});
