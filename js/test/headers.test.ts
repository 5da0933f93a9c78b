// Contract §3: request headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { net } from '../src/index.js';
import { event, readAll, record, serve, settle } from './helpers.js';

test('setHeader checks its arguments in Electron order', () => {
  const request = net.request('http://127.0.0.1/');
  assert.throws(() => request.setHeader(5 as never, 'x'), {
    name: 'TypeError',
    message: '`name` should be a string in setHeader(name, value)',
  });
  assert.throws(() => request.setHeader('X-Name', null), { message: '`value` required in setHeader("X-Name", value)' });
  assert.throws(() => request.setHeader('bad name', 'x'), { message: "Invalid header name: 'bad name'" });
  assert.throws(() => request.setHeader('X-Name', 'a\r\nb'), { message: "Invalid value for header 'X-Name': 'a\r\nb'" });
  assert.throws(() => request.setHeader('X-Name', 'a\0b'), { message: "Invalid value for header 'X-Name': 'a\0b'" });
});

test("headers can't be set or removed once anything was written (write('') counts)", () => {
  const request = net.request({ url: 'http://127.0.0.1/', method: 'POST' });
  request.write('');
  assert.throws(() => request.setHeader('X-Late', 'x'), { name: 'Error', message: "Can't set headers after they are sent" });
  // The sent check comes before the argument checks.
  assert.throws(() => request.setHeader(5 as never, null), { message: "Can't set headers after they are sent" });
  assert.throws(() => request.removeHeader('X-Late'), { message: "Can't remove headers after they are sent" });
  request.abort();
});

test("headers can't be set after end()", () => {
  const request = net.request('http://127.0.0.1:9/');
  request.on('error', () => {});
  request.end();
  assert.throws(() => request.setHeader('X-Late', 'x'), { message: "Can't set headers after they are sent" });
  request.abort();
});

test('getHeader and removeHeader need a name; values are kept as given', () => {
  const request = net.request('http://127.0.0.1/');
  assert.throws(() => request.getHeader(undefined as never), { message: '`name` is required for getHeader(name)' });
  assert.throws(() => request.removeHeader(undefined as never), { message: '`name` is required for removeHeader(name)' });
  request.setHeader('X-Number', 900);
  assert.equal(request.getHeader('x-number'), 900);
  request.setHeader('X-Text', 'a');
  assert.equal(request.getHeader('X-TEXT'), 'a');
  request.removeHeader('x-text');
  assert.equal(request.getHeader('X-Text'), undefined);
  assert.equal(request.hasHeader('x-number'), true);
  assert.deepEqual(request.getHeaderNames(), ['x-number']);
  assert.deepEqual(request.getRawHeaderNames(), ['X-Number']);
  assert.deepEqual({ ...request.getHeaders() }, { 'x-number': 900 });
});

test('headers go on the wire in insertion order with the case last given', async (t) => {
  const server = await serve(t, (req, res) => res.end(JSON.stringify(req.rawHeaders)));
  const request = net.request({ url: `${server.url}/`, headers: { 'X-First': '1' } });
  request.setHeader('x-second', 2);
  request.setHeader('X-FIRST', 'one');
  request.end();
  const [response] = await event<[NodeJS.ReadableStream]>(request, 'response');
  const raw: string[] = JSON.parse((await readAll(response)).toString());
  const first = raw.indexOf('X-FIRST');
  assert.ok(first >= 0, `X-FIRST missing from ${raw}`);
  assert.equal(raw[first + 1], 'one');
  assert.equal(raw[first + 2], 'x-second');
  assert.equal(raw[first + 3], '2');
  assert.ok(!raw.includes('X-First'));
});

test('header options are validated like setHeader', () => {
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', headers: { 'bad name': 'x' } }), {
    message: "Invalid header name: 'bad name'",
  });
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', headers: { 'X-A': null as never } }), {
    message: '`value` required in setHeader("X-A", value)',
  });
});

for (const [name, value] of [
  ['Content-Length', '5'],
  ['Host', 'example.com'],
  ['Transfer-Encoding', 'chunked'],
  ['Proxy-Authorization', 'x'],
  ['Connection', 'upgrade'],
  ['X-HTTP-Method-Override', 'TRACE'],
]) {
  test(`restricted header ${name} fails the request asynchronously with net::ERR_INVALID_ARGUMENT`, async (t) => {
    let hits = 0;
    const server = await serve(t, (_req, res) => {
      hits++;
      res.end();
    });
    const request = net.request(`${server.url}/`);
    request.setHeader(name!, value!);
    const events = record(request);
    request.end();
    await event(request, 'error');
    await settle();
    assert.deepEqual(events.request, ['finish', 'close', 'error:net::ERR_INVALID_ARGUMENT']);
    assert.equal(hits, 0);
  });
}

test('a navigation destination without navigate mode fails the request', async (t) => {
  const server = await serve(t, (_req, res) => res.end());
  const request = net.request(`${server.url}/`);
  request.setHeader('Sec-Fetch-Dest', 'document');
  request.end();
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(
    error.message,
    "sec-fetch-dest of 'document', 'frame', 'iframe' or 'fencedframe' requires sec-fetch-mode 'navigate'",
  );
});
