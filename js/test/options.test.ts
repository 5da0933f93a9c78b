// Contract §2: options, and the errors they throw synchronously.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { net, session } from '../src/index.js';
import { event, readAll, serve } from './helpers.js';

test('a bad URL throws TypeError Invalid URL synchronously', () => {
  assert.throws(() => net.request('not a url'), { name: 'TypeError', message: 'Invalid URL' });
  assert.throws(() => net.request({ url: 'http://' }), { name: 'TypeError', message: 'Invalid URL' });
});

test('non-object headers throw TypeError', () => {
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', headers: 'x' as never }), {
    name: 'TypeError',
    message: 'headers must be an object',
  });
});

test('session must be a Session and partition a string', () => {
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', session: {} as never }), {
    name: 'TypeError',
    message: '`session` should be an instance of the Session class',
  });
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', partition: 5 as never }), {
    name: 'TypeError',
    message: '`partition` should be a string',
  });
  // A session wins over a partition, whatever the partition's type.
  assert.doesNotThrow(() => net.request({ url: 'http://127.0.0.1/', session: session.defaultSession, partition: 5 as never }));
});

test('only http: and https: are supported', () => {
  assert.throws(() => net.request({ protocol: 'ftp:', hostname: 'example.com' }), {
    name: 'Error',
    message: 'ClientRequest only supports http: and https: protocols',
  });
});

test('redirect mode must be follow, error or manual', () => {
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', redirect: 'sometimes' as never }), {
    name: 'Error',
    message: 'redirect mode should be one of follow, error or manual',
  });
});

test('credentials same-origin requires origin', () => {
  assert.throws(() => net.request({ url: 'http://127.0.0.1/', credentials: 'same-origin' }), {
    name: 'Error',
    message: 'credentials: same-origin requires origin to be set',
  });
});

test('a path with a space throws TypeError', () => {
  assert.throws(() => net.request({ hostname: '127.0.0.1', path: '/a b' }), {
    name: 'TypeError',
    message: 'Request path contains unescaped characters',
  });
});

test('the URL is composed from host (port ignored) and path', async (t) => {
  const server = await serve(t, (req, res) => res.end(`${req.headers.host} ${req.url}`));
  const request = net.request({
    protocol: 'http:',
    host: `127.0.0.1:${server.port}`,
    hostname: 'ignored',
    port: 1,
    path: '/p?q=1',
  });
  request.end();
  const [response] = await event<[NodeJS.ReadableStream]>(request, 'response');
  assert.equal((await readAll(response)).toString(), `127.0.0.1:${server.port} /p?q=1`);
});

test('the URL is composed from hostname and port, path defaulting to /', async (t) => {
  const server = await serve(t, (req, res) => res.end(req.url));
  const request = net.request({ hostname: '127.0.0.1', port: server.port });
  request.end();
  const [response] = await event<[NodeJS.ReadableStream]>(request, 'response');
  assert.equal((await readAll(response)).toString(), '/');
});

test('the method is upper-cased and the callback listens for the response', async (t) => {
  const server = await serve(t, (req, res) => res.end(req.method));
  let request!: ReturnType<typeof net.request>;
  const response = await new Promise<NodeJS.ReadableStream>((resolve) => {
    request = net.request({ url: `${server.url}/`, method: 'patch' }, resolve);
    request.end();
  });
  assert.equal(request.method, 'PATCH');
  assert.equal((await readAll(response)).toString(), 'PATCH');
});

test('a URL object is accepted, and Node-style target properties are set', async (t) => {
  const server = await serve(t, (_req, res) => res.end('ok'));
  const request = net.request({ url: new URL(`${server.url}/x?y=1`) });
  assert.equal(request.protocol, 'http:');
  assert.equal(request.host, '127.0.0.1');
  assert.equal(request.path, '/x?y=1');
  request.end();
  const [response] = await event<[NodeJS.ReadableStream]>(request, 'response');
  assert.equal((await readAll(response)).toString(), 'ok');
});

test('invalid credentials, cache, referrerPolicy and priority values are ignored', async (t) => {
  const server = await serve(t, (_req, res) => res.end('ok'));
  const request = net.request({
    url: `${server.url}/`,
    credentials: 'sometimes' as never,
    cache: 'whenever' as never,
    referrerPolicy: 'nope',
    priority: 'urgent' as never,
  });
  request.end();
  const [response] = await event<[{ statusCode: number }]>(request, 'response');
  assert.equal(response.statusCode, 200);
});
