/**
 * One `wasi:http` exchange carried out by `node:http` / `node:https`, event-driven, on the main
 * thread.
 *
 * What it guarantees beyond jco's stock shim:
 * - response headers reach the component exactly as received (`rawHeaders`: case, order, and one
 *   line per `Set-Cookie`);
 * - the connect, first-byte and between-bytes limits of `request-options` are enforced with
 *   timers that fail the future (`connection-timeout`, `connection-read-timeout`) or the body
 *   stream (`connection-read-timeout`);
 * - Node's failures become the precise `error-code` (see {@link requestErrorCode});
 * - a request whose future, response or body is dropped before completion is destroyed, so the
 *   server sees the connection go away;
 * - the response body is only read from the socket as fast as the component takes it: past a
 *   256 KiB window the Node response is paused and TCP slows the server down.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { ErrorCode } from '#wit/wasi-http-types.js';
import { type ByteSink, type ByteSource, IoError, type StreamEnd } from './io.js';
import type { Waker } from './waker.js';

/** Bytes buffered ahead in each direction before the producer has to wait. */
const WINDOW = 256 * 1024;
/** Chromium's limit on a response head (`ERR_RESPONSE_HEADERS_TOO_BIG` past it). */
const MAX_HEAD_BYTES = 256 * 1024;

/** Keep-alive pools, as Chromium keeps connections alive across requests. */
const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

const EMPTY = new Uint8Array(0);

/** What `handle` hands over: the request as the component built it. */
export interface ExchangeSpec {
  method: string;
  https: boolean;
  authority: string;
  pathWithQuery: string;
  headers: Array<[string, Uint8Array]>;
  body: RequestBody;
  connectTimeout: bigint | undefined;
  firstByteTimeout: bigint | undefined;
  betweenBytesTimeout: bigint | undefined;
}

/** The future's value: a response head arrived, or the exchange failed before one did. */
export interface Outcome {
  error?: ErrorCode;
}

export class Exchange {
  /** Set once: `{}` when the response head arrived, `{ error }` when it never will. */
  outcome: Outcome | undefined;
  readonly #request: http.ClientRequest;
  readonly #body: RequestBody;
  readonly #wake: Waker;
  readonly #betweenBytesMs: number | undefined;
  #response: http.IncomingMessage | undefined;
  #responseBody: ResponseBody | undefined;
  #rawHeaders: Array<[string, Uint8Array]> | undefined;
  #timers: NodeJS.Timeout[] = [];
  /** Nothing left to abort: the response body ended, or the exchange failed or was dropped. */
  #settled = false;
  /** The component gave up on the request body while the response was still arriving. */
  #uploadAbandoned = false;
  /** A socket error seen after the head: it tells a reset from a clean close in the body. */
  #lateError: NodeJS.ErrnoException | undefined;

  /** Sends the request. Throws an `error-code` when Node refuses it outright. */
  static start(spec: ExchangeSpec, wake: Waker): Exchange {
    const target = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(spec.authority);
    if (target === null) {
      throw { tag: 'HTTP-request-URI-invalid' } satisfies ErrorCode;
    }
    // Node adds no Host header when headers come as a list; the list keeps case, order and repeats.
    const headers = ['Host', spec.authority];
    for (const [name, value] of spec.headers) {
      headers.push(name, Buffer.from(value).toString('latin1'));
    }
    let request: http.ClientRequest;
    try {
      request = (spec.https ? https : http).request({
        agent: spec.https ? agents.https : agents.http,
        method: spec.method,
        hostname: target[1] ?? target[2],
        port: target[3],
        path: spec.pathWithQuery,
        headers,
        maxHeaderSize: MAX_HEAD_BYTES,
      });
    } catch (error) {
      throw { tag: 'internal-error', val: String(error) } satisfies ErrorCode;
    }
    return new Exchange(spec, request, wake);
  }

  private constructor(spec: ExchangeSpec, request: http.ClientRequest, wake: Waker) {
    this.#request = request;
    this.#body = spec.body;
    this.#wake = wake;
    this.#betweenBytesMs = toMs(spec.betweenBytesTimeout);
    const connectMs = toMs(spec.connectTimeout);
    const firstByteMs = toMs(spec.firstByteTimeout);
    if (connectMs !== undefined) {
      const timer = this.#timer(connectMs, () => this.#fail({ tag: 'connection-timeout' }));
      request.once('socket', (socket: Socket) => {
        // A reused keep-alive socket (TLS included) is connected already.
        if (!socket.connecting) {
          return clearTimeout(timer);
        }
        socket.once(spec.https ? 'secureConnect' : 'connect', () => clearTimeout(timer));
      });
    }
    if (firstByteMs !== undefined) {
      this.#timer(firstByteMs, () => this.#fail({ tag: 'connection-read-timeout' }));
    }
    request.on('response', (response) => this.#onResponse(response));
    request.on('error', (error) => {
      if (this.outcome === undefined) {
        this.#fail(requestErrorCode(error));
      } else {
        this.#lateError = error;
        this.#body.fail(IoError.of('request failed', requestErrorCode(error)));
      }
    });
    spec.body.attach(this, request, wake);
    // A component that sends from deep inside a poll (an automatic authentication retry) writes
    // the body only in its next poll, which nothing else would trigger.
    queueMicrotask(() => {
      if (!spec.body.finished) {
        wake();
      }
    });
  }

  status(): number {
    return this.#response?.statusCode ?? 0;
  }

  rawHeaders(): Array<[string, Uint8Array]> {
    if (this.#rawHeaders === undefined) {
      // Node decodes header bytes as latin1, so this gives back exactly the bytes received.
      const raw = this.#response?.rawHeaders ?? [];
      this.#rawHeaders = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        this.#rawHeaders.push([raw[i]!, Buffer.from(raw[i + 1]!, 'latin1')]);
      }
    }
    return this.#rawHeaders;
  }

  responseBody(): ByteSource {
    return this.#responseBody ?? { read: () => 'closed', ready: () => true, drop: () => {} };
  }

  /** The component dropped a resource it still needed to finish the exchange: abort. */
  abandon(): void {
    if (!this.#settled) {
      this.#settle();
      this.#request.destroy();
    }
  }

  /** The component dropped the request body unfinished. */
  uploadAbandoned(): void {
    if (this.outcome === undefined) {
      this.abandon();
    } else {
      // The server answered early; its response is still wanted, but the connection cannot be
      // reused with half a request on it.
      this.#uploadAbandoned = true;
    }
  }

  #onResponse(response: http.IncomingMessage): void {
    if (this.#settled) {
      response.destroy();
      return;
    }
    this.#clearTimers();
    this.#response = response;
    this.#responseBody = new ResponseBody(response, this.#wake, this.#betweenBytesMs, {
      ended: (end) => {
        this.#settle();
        if (end !== 'closed' || this.#uploadAbandoned) {
          this.#request.destroy();
        }
      },
      failure: () => bodyErrorCode(this.#lateError),
      dropped: () => this.abandon(),
    });
    this.outcome = {};
    this.#wake();
  }

  #fail(code: ErrorCode): void {
    if (this.#settled) {
      return;
    }
    this.outcome ??= { error: code };
    this.#body.fail(IoError.of('request failed', code));
    this.#settle();
    this.#request.destroy();
    this.#wake();
  }

  #settle(): void {
    this.#settled = true;
    this.#clearTimers();
  }

  #timer(ms: number, fire: () => void): NodeJS.Timeout {
    const timer = setTimeout(fire, ms).unref();
    this.#timers.push(timer);
    return timer;
  }

  #clearTimers(): void {
    for (const timer of this.#timers) {
      clearTimeout(timer);
    }
    this.#timers = [];
  }
}

/** What a response body reports to its exchange. */
interface BodyOwner {
  /** The body ended: cleanly (`closed`) or not. */
  ended(end: StreamEnd): void;
  /** The error code for a body that stopped early. */
  failure(): ErrorCode;
  /** The component dropped the stream. */
  dropped(): void;
}

/** The response body as a {@link ByteSource}, with flow control and the between-bytes limit. */
class ResponseBody implements ByteSource {
  readonly #response: http.IncomingMessage;
  readonly #wake: Waker;
  readonly #betweenBytesMs: number | undefined;
  readonly #owner: BodyOwner;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #end: StreamEnd | undefined;
  /** Paused by this body: the component has a window's worth to read first. */
  #paused = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    response: http.IncomingMessage,
    wake: Waker,
    betweenBytesMs: number | undefined,
    owner: BodyOwner,
  ) {
    this.#response = response;
    this.#wake = wake;
    this.#betweenBytesMs = betweenBytesMs;
    this.#owner = owner;
    response.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= WINDOW) {
        this.#paused = true;
        response.pause();
      }
      this.#disarmTimer();
      this.#wake();
    });
    response.on('end', () => this.#finish('closed'));
    response.on('error', () => this.#finish(IoError.of('response body failed', owner.failure())));
  }

  read(max: number): Uint8Array | StreamEnd {
    if (this.#buffered === 0) {
      if (this.#end === undefined) {
        this.#armTimer();
      }
      return this.#end ?? EMPTY;
    }
    const parts: Buffer[] = [];
    let size = 0;
    while (size < max && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const room = max - size;
      if (chunk.length <= room) {
        parts.push(chunk);
        this.#chunks.shift();
        size += chunk.length;
      } else {
        parts.push(chunk.subarray(0, room));
        this.#chunks[0] = chunk.subarray(room);
        size += room;
      }
    }
    this.#buffered -= size;
    if (this.#paused && this.#buffered < WINDOW && this.#end === undefined) {
      this.#paused = false;
      this.#response.resume();
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  ready(): boolean {
    return this.#buffered > 0 || this.#end !== undefined;
  }

  drop(): void {
    this.#owner.dropped();
  }

  #finish(end: StreamEnd): void {
    if (this.#end === undefined) {
      this.#end = end;
      this.#disarmTimer();
      this.#owner.ended(end);
      this.#wake();
    }
  }

  /**
   * The limit runs while the component waits for bytes it asked for (its last read found none),
   * until some arrive: a download nobody reads is waiting on its reader, not on the server.
   */
  #armTimer(): void {
    if (this.#timer === undefined && this.#betweenBytesMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#finish(IoError.of('between-bytes timeout', { tag: 'connection-read-timeout' }));
      }, this.#betweenBytesMs).unref();
    }
  }

  #disarmTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** The request body as a {@link ByteSink}: bytes go to Node as written, up to a 256 KiB window. */
export class RequestBody implements ByteSink {
  readonly synchronous = false;
  readonly #contentLength: number | undefined;
  #exchange: Exchange | undefined;
  #request: http.ClientRequest | undefined;
  /** Written before `handle` (allowed by wasi:http, though the component never does it). */
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #written = 0;
  #finished = false;
  #failure: IoError | undefined;
  /** The last `capacity` was 0: the component waits for Node to flush. */
  #starved = false;
  #wake: Waker = () => {};

  constructor(headers: { get(name: string): Uint8Array[] }) {
    const [length] = headers.get('content-length');
    const parsed = length === undefined ? NaN : Number(Buffer.from(length).toString('latin1').trim());
    this.#contentLength = Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : undefined;
  }

  attach(exchange: Exchange, request: http.ClientRequest, wake: Waker): void {
    this.#exchange = exchange;
    this.#request = request;
    this.#wake = wake;
    for (const chunk of this.#early) {
      request.write(chunk, this.#flushed);
    }
    this.#early = [];
    if (this.#finished) {
      request.end();
    }
  }

  /** `finish` was called (or the body was abandoned). */
  get finished(): boolean {
    return this.#finished;
  }

  capacity(): number | StreamEnd {
    if (this.#failure !== undefined) {
      return this.#failure;
    }
    if (this.#finished) {
      return 'closed';
    }
    const pending = this.#request?.writableLength ?? this.#earlyBytes;
    const room = Math.max(0, WINDOW - pending);
    this.#starved = room === 0;
    return room;
  }

  write(bytes: Uint8Array): StreamEnd | undefined {
    this.#written += bytes.length;
    if (this.#contentLength !== undefined && this.#written > this.#contentLength) {
      this.#failure = IoError.of('body longer than Content-Length', {
        tag: 'HTTP-request-body-size',
        val: BigInt(this.#written),
      });
      return this.#failure;
    }
    // jco hands over a fresh copy of the guest's bytes, so no second copy is needed.
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#request !== undefined) {
      this.#request.write(chunk, this.#flushed);
    } else {
      this.#early.push(chunk);
      this.#earlyBytes += chunk.length;
    }
    return undefined;
  }

  /** `outgoing-body.finish`: throws `HTTP-request-body-size` when Content-Length was not met. */
  finish(trailers: Array<[string, Uint8Array]>): void {
    if (this.#contentLength !== undefined && this.#written !== this.#contentLength) {
      this.abandon();
      throw { tag: 'HTTP-request-body-size', val: BigInt(this.#written) } satisfies ErrorCode;
    }
    this.#finished = true;
    if (trailers.length > 0) {
      this.#request?.addTrailers(
        trailers.map(([name, value]): [string, string] => [name, Buffer.from(value).toString('latin1')]),
      );
    }
    this.#request?.end();
  }

  fail(error: IoError): void {
    this.#failure ??= error;
  }

  /** The body was dropped without `finish`. */
  abandon(): void {
    if (!this.#finished) {
      this.#finished = true;
      this.#exchange?.uploadAbandoned();
    }
  }

  /** The stream is a view on this body; the body's own drop decides. */
  drop(): void {}

  readonly #flushed = (): void => {
    if (this.#starved) {
      this.#starved = false;
      this.#wake();
    }
  };
}

/** Node's failure before a response head, as the `wasi:http` error code the component expects. */
export function requestErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  // Happy eyeballs reports every address it tried; the first one says why.
  const cause: NodeJS.ErrnoException | undefined =
    error.code === undefined && error instanceof AggregateError ? error.errors[0] : error;
  const code: string = cause?.code ?? '';
  const message: string = cause?.message ?? String(cause);
  if (DNS_FAILURES.has(code)) {
    return { tag: 'DNS-error', val: { rcode: code, infoCode: undefined } };
  }
  if (code === 'ECONNREFUSED') {
    return { tag: 'connection-refused' };
  }
  if (code === 'ETIMEDOUT') {
    return { tag: 'connection-timeout' };
  }
  if (UNREACHABLE.has(code)) {
    return { tag: 'destination-unavailable' };
  }
  // Node's words for a connection closed (FIN) before any response: no reset happened.
  if (code === 'ECONNRESET' && message === 'socket hang up') {
    return { tag: 'HTTP-response-incomplete' };
  }
  if (TERMINATED.has(code)) {
    return { tag: 'connection-terminated' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { tag: 'HTTP-response-header-section-size', val: undefined };
  }
  if (code.startsWith('HPE_')) {
    return { tag: 'HTTP-protocol-error' };
  }
  // Chromium's exact name, through the channel the WIT documents for it (`net-error`), as the
  // Rust host does.
  const certificate = CERTIFICATE_ERRORS.get(code);
  if (certificate !== undefined) {
    return { tag: 'internal-error', val: certificate };
  }
  if (code.startsWith('CERT_') || code.startsWith('ERR_TLS_CERT')) {
    return { tag: 'TLS-certificate-error' };
  }
  const alert = /alert number (\d+)/.exec(message);
  if (alert !== null) {
    return { tag: 'TLS-alert-received', val: { alertId: Number(alert[1]), alertMessage: code } };
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return { tag: 'TLS-protocol-error' };
  }
  return { tag: 'internal-error', val: code === '' ? message : `${code}: ${message}` };
}

/** A body that stopped early: reset, unparsable, or simply cut short. */
function bodyErrorCode(socketError: NodeJS.ErrnoException | undefined): ErrorCode {
  const code = socketError?.code ?? '';
  if (TERMINATED.has(code) && socketError?.syscall !== undefined) {
    return { tag: 'connection-terminated' };
  }
  if (code.startsWith('HPE_')) {
    return { tag: 'HTTP-protocol-error' };
  }
  return { tag: 'HTTP-response-incomplete' };
}

const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const TERMINATED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const CERTIFICATE_ERRORS = new Map([
  ['CERT_HAS_EXPIRED', 'net::ERR_CERT_DATE_INVALID'],
  ['CERT_NOT_YET_VALID', 'net::ERR_CERT_DATE_INVALID'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'net::ERR_CERT_COMMON_NAME_INVALID'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['CERT_UNTRUSTED', 'net::ERR_CERT_AUTHORITY_INVALID'],
]);

function toMs(nanoseconds: bigint | undefined): number | undefined {
  return nanoseconds === undefined ? undefined : Math.max(1, Math.ceil(Number(nanoseconds) / 1e6));
}
