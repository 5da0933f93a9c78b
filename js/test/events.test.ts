// Contract §5: the event-order table, row by row; plus "abort at most once", "nothing after the
// last close", and real aborts (the server sees its connection go away).
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { net } from '../src/index.js';
import { closedPort, event, record, serve, settle } from './helpers.js';

test('GET success: finish, close, response / data, end, close', async (t) => {
  const server = await serve(t, (_req, res) => res.end('hello'));
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await events.responseClosed;
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'response']);
  assert.deepEqual(events.response, ['data', 'end', 'close']);
});

test('connection refused: finish, close, error', async () => {
  const request = net.request(`http://127.0.0.1:${await closedPort()}/`);
  const events = record(request);
  request.end();
  await event(request, 'error');
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'error:net::ERR_CONNECTION_REFUSED']);
});

test('abort() before end(): abort, close', async () => {
  const request = net.request({ url: 'http://127.0.0.1:9/', method: 'POST' });
  const events = record(request);
  request.write('partial');
  request.abort();
  await event(request, 'close');
  await settle();
  assert.deepEqual(events.request, ['abort', 'close']);
  assert.equal(request.aborted, true);
});

test('abort() after end(), before the response: finish, close, abort; the server sees the connection close', async (t) => {
  let gone!: () => void;
  const connectionGone = new Promise<void>((resolve) => (gone = resolve));
  let onArrival!: () => void;
  const requestArrived = new Promise<void>((resolve) => (onArrival = resolve));
  const server = await serve(t, (req) => {
    req.socket.on('close', gone);
    onArrival();
  });
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await requestArrived;
  request.abort();
  request.abort();
  await event(request, 'abort');
  await connectionGone;
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'abort']);
});

test('abort() after the response started: finish, close, response, abort / close only', async (t) => {
  let gone!: () => void;
  const connectionGone = new Promise<void>((resolve) => (gone = resolve));
  const server = await serve(t, (req, res) => {
    req.socket.on('close', gone);
    res.write('first part');
  });
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await events.receivedData;
  request.abort();
  await events.responseClosed;
  await connectionGone;
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'response', 'abort']);
  assert.deepEqual(events.response, ['data', 'close']);
});

test("redirect under mode error: finish, close, error", async (t) => {
  const server = await serve(t, (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
  const request = net.request({ url: `${server.url}/`, redirect: 'error' });
  const events = record(request);
  request.end();
  await event(request, 'error');
  await settle();
  assert.deepEqual(events.request, [
    'finish',
    'close',
    "error:Attempted to redirect, but redirect policy was 'error'",
  ]);
});

test('manual redirect without followRedirect(): finish, close, redirect, error', async (t) => {
  const server = await serve(t, (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
  const request = net.request({ url: `${server.url}/`, redirect: 'manual' });
  const events = record(request);
  request.end();
  await event(request, 'error');
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'redirect', 'error:Redirect was cancelled']);
});

test('body failing mid-stream: finish, close, response, error / error (same Error), close', async (t) => {
  const server = await serve(t, (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('x'.repeat(50), () => res.destroy());
  });
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await events.responseClosed;
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'response', 'error:net::ERR_CONTENT_LENGTH_MISMATCH']);
  assert.deepEqual(events.response, ['data', 'error:net::ERR_CONTENT_LENGTH_MISMATCH', 'close']);
  assert.equal(events.errors[0], events.errors[1]);
});

test('nothing is emitted after the transaction ended, even when aborted afterwards', async (t) => {
  const server = await serve(t, (_req, res) => res.end('done'));
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await events.responseClosed;
  await settle();
  request.abort();
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'response']);
  assert.deepEqual(events.response, ['data', 'end', 'close']);
});

test('the IncomingMessage never emits aborted', async (t) => {
  const server = await serve(t, (_req, res) => res.write('partial'));
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.end();
  await events.receivedData;
  request.abort();
  await events.responseClosed;
  await settle();
  assert.ok(!events.response.includes('aborted'));
});

test('abort() of a chunked request before end(): abort, close (no finish)', async (t) => {
  const server = await serve(t, () => {});
  const request = net.request({ url: `${server.url}/`, method: 'POST' });
  request.chunkedEncoding = true;
  const events = record(request);
  request.write('first chunk');
  await new Promise((resolve) => server.server.once('request', resolve));
  request.abort();
  await event(request, 'close');
  await settle();
  assert.deepEqual(events.request, ['abort', 'close']);
});

test('abort() while a login waits for its answer: abort, no response', async (t) => {
  const server = await serve(t, (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end());
  const request = net.request(`${server.url}/`);
  const events = record(request);
  request.on('login', () => setTimeout(() => request.abort(), 10));
  request.end();
  await event(request, 'abort');
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'abort']);
});

test('setTimeout() emits timeout after the given idle time, without aborting', async (t) => {
  const server = await serve(t, (_req, res) => setTimeout(() => res.end('late'), 300));
  const request = net.request(`${server.url}/`);
  let timeouts = 0;
  request.setTimeout(50, () => timeouts++);
  request.end();
  const [response] = await event<[NodeJS.ReadableStream]>(request, 'response');
  response.resume();
  assert.equal(timeouts, 1);
});
