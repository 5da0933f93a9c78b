// Contract §8: network errors, as Chromium names them, from real failures on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, fixturePath, serve, serveRaw, serveTls } from './helpers.js';

/** The error a request to `url` ends with. */
async function failure(options: Parameters<typeof net.request>[0], body?: Buffer): Promise<string> {
  const request = net.request(options);
  const failed = event<[Error]>(request, 'error');
  request.on('response', (response: IncomingMessage) => {
    response.on('error', () => {});
    response.resume();
  });
  request.end(body);
  return (await failed)[0].message;
}

test('a server closing the connection before any response: net::ERR_EMPTY_RESPONSE', async (t) => {
  const server = await serve(t, (req) => req.socket.destroy());
  assert.equal(await failure(`${server.url}/`), 'net::ERR_EMPTY_RESPONSE');
});

test('an unknown host: net::ERR_NAME_NOT_RESOLVED', async () => {
  assert.equal(await failure('http://does-not-exist.invalid/'), 'net::ERR_NAME_NOT_RESOLVED');
});

test('a chunked body cut off: net::ERR_INCOMPLETE_CHUNKED_ENCODING', async (t) => {
  const server = await serve(t, (_req, res) => res.write('partial', () => res.socket?.destroy()));
  assert.equal(await failure(`${server.url}/`), 'net::ERR_INCOMPLETE_CHUNKED_ENCODING');
});

test('a server killing an upload: connection reset, aborted or failed', async (t) => {
  const server = await serve(t, (req) => req.once('data', () => req.socket.destroy()));
  const message = await failure({ url: `${server.url}/`, method: 'POST' }, Buffer.alloc(8 * 1024 * 1024));
  assert.ok(['net::ERR_CONNECTION_RESET', 'net::ERR_CONNECTION_ABORTED', 'net::ERR_FAILED'].includes(message), message);
});

test('no response head within the first-byte limit: net::ERR_TIMED_OUT', async (t) => {
  const server = await serve(t, () => {});
  assert.equal(await failure({ url: `${server.url}/`, timeouts: { firstByteMs: 200 } }), 'net::ERR_TIMED_OUT');
});

test('a body stalling past the between-bytes limit: net::ERR_TIMED_OUT', async (t) => {
  const server = await serve(t, (_req, res) => res.write('some'));
  assert.equal(await failure({ url: `${server.url}/`, timeouts: { betweenBytesMs: 200 } }), 'net::ERR_TIMED_OUT');
});

test('a body trickling past the total limit: net::ERR_TIMED_OUT, though each byte comes in time', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    const timer = setInterval(() => res.write('x'), 20);
    res.on('close', () => clearInterval(timer));
  });
  const started = Date.now();
  assert.equal(
    await failure({ url: `${server.url}/`, timeouts: { totalMs: 400, betweenBytesMs: 200 } }),
    'net::ERR_TIMED_OUT',
  );
  assert.ok(Date.now() - started < 5000);
});

test('a chunked upload into a server that never answers, past the total limit: net::ERR_TIMED_OUT', async (t) => {
  const server = await serve(t, () => {});
  const request = net.request({ url: `${server.url}/`, method: 'POST', timeouts: { totalMs: 300 } });
  request.chunkedEncoding = true;
  request.write('some');
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(error.message, 'net::ERR_TIMED_OUT');
});

test('a TLS handshake that never completes: net::ERR_CONNECTION_TIMED_OUT', async (t) => {
  const server = await serveRaw(t, () => {});
  const url = `https://127.0.0.1:${server.port}/`;
  assert.equal(await failure({ url, timeouts: { connectMs: 200 } }), 'net::ERR_CONNECTION_TIMED_OUT');
});

test('bytes that are not HTTP: net::ERR_INVALID_HTTP_RESPONSE', async (t) => {
  const server = await serveRaw(t, (socket) => socket.end('garbage\r\n\r\n'));
  assert.equal(await failure(`${server.url}/`), 'net::ERR_INVALID_HTTP_RESPONSE');
});

test('a response head over 256 KiB: net::ERR_RESPONSE_HEADERS_TOO_BIG', async (t) => {
  const server = await serveRaw(t, (socket) =>
    socket.end(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(300 * 1024)}\r\ncontent-length: 0\r\n\r\n`),
  );
  assert.equal(await failure(`${server.url}/`), 'net::ERR_RESPONSE_HEADERS_TOO_BIG');
});

test("cache: 'only-if-cached' without a cached copy: net::ERR_CACHE_MISS", async (t) => {
  const server = await serve(t, (_req, res) => res.end());
  assert.equal(await failure({ url: `${server.url}/`, cache: 'only-if-cached' }), 'net::ERR_CACHE_MISS');
});

test('a self-signed certificate: net::ERR_CERT_AUTHORITY_INVALID', async (t) => {
  const server = await serveTls(t, 'self-signed.pem', (_req, res) => res.end());
  assert.equal(await failure(`${server.url}/`), 'net::ERR_CERT_AUTHORITY_INVALID');
});

test('a plain-HTTP server on an https URL: net::ERR_SSL_PROTOCOL_ERROR', async (t) => {
  const server = await serve(t, (_req, res) => res.end());
  assert.equal(await failure(`https://127.0.0.1:${server.port}/`), 'net::ERR_SSL_PROTOCOL_ERROR');
});

test('certificates from a trusted CA: valid, wrong name, expired', async (t) => {
  const servers = await Promise.all(
    ['valid.pem', 'wrong-name.pem', 'expired.pem'].map((certificate) =>
      serveTls(t, certificate, (_req, res) => res.end('trusted')),
    ),
  );
  // Node reads extra CAs at startup only, so the requests run in a child trusting the test CA.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [new URL('./tls-probe.js', import.meta.url).pathname, ...servers.map((s) => `${s.url}/`)],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: fixturePath('ca.pem') } },
  );
  assert.deepEqual(JSON.parse(stdout), ['200 trusted', 'net::ERR_CERT_COMMON_NAME_INVALID', 'net::ERR_CERT_DATE_INVALID']);
});
