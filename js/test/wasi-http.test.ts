// The wasi:http implementation on its own: error codes, headers and real aborts, driven the way
// the component drives it (non-blocking calls only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { requestErrorCode } from '../src/wasi/node-exchange.js';
import {
  Fields,
  type FutureIncomingResponse,
  handle,
  httpErrorCode,
  OutgoingBody,
  OutgoingRequest,
  RequestOptions,
} from '../src/wasi/http.js';
import type { IoError } from '../src/wasi/io.js';
import { serve } from './helpers.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function errno(code: string, message: string, syscall?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall });
}

test('Node errors map to precise wasi:http error codes', () => {
  assert.deepEqual(requestErrorCode(errno('ECONNREFUSED', 'connect ECONNREFUSED', 'connect')), { tag: 'connection-refused' });
  assert.deepEqual(requestErrorCode(errno('ENOTFOUND', 'getaddrinfo ENOTFOUND', 'getaddrinfo')), {
    tag: 'DNS-error',
    val: { rcode: 'ENOTFOUND', infoCode: undefined },
  });
  assert.equal(requestErrorCode(errno('EAI_AGAIN', 'getaddrinfo EAI_AGAIN')).tag, 'DNS-error');
  assert.deepEqual(requestErrorCode(errno('ECONNRESET', 'socket hang up')), { tag: 'HTTP-response-incomplete' });
  assert.deepEqual(requestErrorCode(errno('ECONNRESET', 'read ECONNRESET', 'read')), { tag: 'connection-terminated' });
  assert.deepEqual(requestErrorCode(errno('EPIPE', 'write EPIPE', 'write')), { tag: 'connection-terminated' });
  assert.deepEqual(requestErrorCode(errno('ETIMEDOUT', 'connect ETIMEDOUT', 'connect')), { tag: 'connection-timeout' });
  assert.deepEqual(requestErrorCode(errno('EHOSTUNREACH', 'connect EHOSTUNREACH', 'connect')), { tag: 'destination-unavailable' });
  assert.deepEqual(requestErrorCode(errno('HPE_INVALID_CONSTANT', 'Parse Error')), { tag: 'HTTP-protocol-error' });
  assert.deepEqual(requestErrorCode(errno('HPE_HEADER_OVERFLOW', 'Header overflow')), {
    tag: 'HTTP-response-header-section-size',
    val: undefined,
  });
  assert.deepEqual(requestErrorCode(errno('CERT_HAS_EXPIRED', 'certificate has expired')), {
    tag: 'internal-error',
    val: 'net::ERR_CERT_DATE_INVALID',
  });
  assert.deepEqual(requestErrorCode(errno('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca: SSL alert number 48')), {
    tag: 'TLS-alert-received',
    val: { alertId: 48, alertMessage: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' },
  });
  const aggregate = Object.assign(new AggregateError([errno('ECONNREFUSED', 'connect ECONNREFUSED')]), { code: undefined });
  assert.deepEqual(requestErrorCode(aggregate), { tag: 'connection-refused' });
});

test('fields validate names and values, keep case and order, and forbid connection headers', () => {
  const fields = new Fields();
  fields.append('X-One', bytes('1'));
  fields.append('x-two', bytes('2'));
  fields.append('x-one', bytes('3'));
  assert.deepEqual(fields.entries().map(([name]) => name), ['X-One', 'x-two', 'x-one']);
  assert.deepEqual(fields.get('X-ONE'), [bytes('1'), bytes('3')]);
  assert.throws(() => fields.append('bad name', bytes('x')), (e) => (e as { tag: string }).tag === 'invalid-syntax');
  assert.throws(() => fields.append('x', bytes('a\nb')), (e) => (e as { tag: string }).tag === 'invalid-syntax');
  assert.throws(() => fields.append('Connection', bytes('close')), (e) => (e as { tag: string }).tag === 'forbidden');
  new OutgoingRequest(fields);
  assert.throws(() => fields.append('x', bytes('y')), (e) => (e as { tag: string }).tag === 'immutable');
});

/** Sends a GET the way the component does and returns its future. */
function send(url: string, options?: RequestOptions): FutureIncomingResponse {
  const target = new URL(url);
  const request = new OutgoingRequest(new Fields());
  request.setScheme({ tag: 'HTTP' });
  request.setAuthority(target.host);
  request.setPathWithQuery(target.pathname);
  const body = request.body();
  const future = handle(request, options);
  OutgoingBody.finish(body, undefined);
  return future;
}

async function settled(future: FutureIncomingResponse) {
  for (;;) {
    const value = future.get();
    if (value !== undefined) {
      return value;
    }
    await nextTurn();
  }
}

test('dropping the future before the response aborts the request', async (t) => {
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  const server = await serve(t, (req) => req.socket.on('close', closed));
  const future = send(`${server.url}/`);
  await new Promise((resolve) => server.server.once('request', resolve));
  future[Symbol.dispose]();
  await connectionClosed;
});

test('dropping an unfinished body aborts; a finished one leaves the connection alive', async (t) => {
  let closes = 0;
  let connections = 0;
  const server = await serve(t, (req, res) => {
    if (req.url === '/endless') {
      res.write('start');
    } else {
      res.end('complete');
    }
  });
  server.server.on('connection', (socket) => {
    connections++;
    socket.on('close', () => closes++);
  });
  const finished = await settled(send(`${server.url}/short`));
  assert.equal(finished.tag, 'ok');
  const response = finished.val.tag === 'ok' ? finished.val.val : assert.fail();
  const stream = response.consume().stream();
  let text = '';
  for (;;) {
    try {
      text += Buffer.from(stream.read(1024n)).toString();
    } catch (end) {
      assert.deepEqual(end, { tag: 'closed' });
      break;
    }
    await nextTurn();
  }
  assert.equal(text, 'complete');
  stream[Symbol.dispose]();
  await nextTurn();
  assert.equal(closes, 0);

  const endless = await settled(send(`${server.url}/endless`));
  const body = (endless.tag === 'ok' && endless.val.tag === 'ok' ? endless.val.val : assert.fail()).consume();
  body[Symbol.dispose]();
  for (let i = 0; i < 100 && closes === 0; i++) {
    await nextTurn();
  }
  assert.equal(closes, 1);
  // The finished exchange's connection was kept alive and reused by the second one.
  assert.equal(connections, 1);
});

test('the first-byte limit fails the future with connection-read-timeout', async (t) => {
  const server = await serve(t, () => {});
  const options = new RequestOptions();
  options.setFirstByteTimeout(100_000_000n);
  const outcome = await settled(send(`${server.url}/`, options));
  assert.deepEqual(outcome, { tag: 'ok', val: { tag: 'err', val: { tag: 'connection-read-timeout' } } });
});

test('the between-bytes limit counts only while the component waits for bytes it asked for', async (t) => {
  const server = await serve(t, (_req, res) => res.write('a'));
  const options = new RequestOptions();
  options.setBetweenBytesTimeout(100_000_000n);
  const outcome = await settled(send(`${server.url}/`, options));
  const stream = (outcome.tag === 'ok' && outcome.val.tag === 'ok' ? outcome.val.val : assert.fail()).consume().stream();
  let first = stream.read(10n);
  while (first.length === 0) {
    await nextTurn();
    first = stream.read(10n);
  }
  assert.equal(Buffer.from(first).toString(), 'a');
  // Not reading for three times the limit is the reader's choice, not a slow server.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(stream.read(10n).length, 0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.throws(
    () => stream.read(10n),
    (error) => {
      const { tag, val } = error as { tag: string; val: IoError };
      return tag === 'last-operation-failed' && httpErrorCode(val)?.tag === 'connection-read-timeout';
    },
  );
});
