/**
 * `wasi:http/types` and `wasi:http/outgoing-handler` (client side) for Node.
 *
 * The resources here only hold what the component set or may read; the network exchange itself
 * lives in {@link Exchange} (node-exchange.ts). Every failure is returned the wasi way: jco turns
 * a thrown plain value into a `result`'s `err`, so these methods throw `header-error` or
 * `error-code` values (never `Error` objects, which would unwind through the guest).
 */
import type {
  ErrorCode,
  Fields as WitFields,
  HeaderError,
  IoError as WitIoError,
  Method,
  OutgoingBody as WitOutgoingBody,
  OutgoingRequest as WitOutgoingRequest,
  RequestOptions as WitRequestOptions,
  Result,
  Scheme,
} from '#wit/wasi-http-types.js';
import { InputStream, IoError, OutputStream, Pollable, own } from './io.js';
import { Exchange, RequestBody, type ExchangeSpec } from './node-exchange.js';
import { currentWaker } from './waker.js';

/** RFC 9110 `token`: what a field name or an `other` method may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Managed by Node's agent (connection reuse, framing of the message as a whole), so a component
 * may not set them; the component treats `forbidden` as "the host decides".
 */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'host', 'upgrade', 'http2-settings']);

function checkField(name: string, value: Uint8Array): void {
  if (!TOKEN.test(name) || value.some((byte) => byte === 0x0a || byte === 0x0d || byte === 0x00)) {
    throw { tag: 'invalid-syntax' } satisfies HeaderError;
  }
  if (FORBIDDEN.has(name.toLowerCase())) {
    throw { tag: 'forbidden' } satisfies HeaderError;
  }
}

/** `fields`: header or trailer lines in order, names as given, values as bytes. */
export class Fields {
  #entries: Array<[string, Uint8Array]> = [];
  #immutable = false;

  static fromList(entries: Array<[string, Uint8Array]>): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) {
      fields.append(name, value);
    }
    return fields;
  }

  /** Received lines, unchecked (the peer sent them) and read-only. */
  static received(entries: Array<[string, Uint8Array]>): Fields {
    const fields = new Fields();
    fields.#entries = entries;
    fields.#immutable = true;
    return fields;
  }

  /** Makes these fields read-only (they became a request's headers). */
  static freeze(fields: Fields): Array<[string, Uint8Array]> {
    fields.#immutable = true;
    return fields.#entries;
  }

  get(name: string): Uint8Array[] {
    const key = name.toLowerCase();
    return this.#entries.filter(([n]) => n.toLowerCase() === key).map(([, value]) => value);
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#entries.some(([n]) => n.toLowerCase() === key);
  }

  set(name: string, values: Uint8Array[]): void {
    this.#checkMutable();
    for (const value of values) {
      checkField(name, value);
    }
    this.#remove(name);
    for (const value of values) {
      this.#entries.push([name, value]);
    }
  }

  delete(name: string): void {
    this.#checkMutable();
    this.#remove(name);
  }

  append(name: string, value: Uint8Array): void {
    this.#checkMutable();
    checkField(name, value);
    this.#entries.push([name, value]);
  }

  entries(): Array<[string, Uint8Array]> {
    return this.#entries.slice();
  }

  clone(): Fields {
    const fields = new Fields();
    fields.#entries = this.#entries.slice();
    return fields;
  }

  #checkMutable(): void {
    if (this.#immutable) {
      throw { tag: 'immutable' } satisfies HeaderError;
    }
  }

  #remove(name: string): void {
    const key = name.toLowerCase();
    this.#entries = this.#entries.filter(([n]) => n.toLowerCase() !== key);
  }
}

/** `request-options`: the three time limits, in nanoseconds. */
export class RequestOptions {
  #connect: bigint | undefined;
  #firstByte: bigint | undefined;
  #betweenBytes: bigint | undefined;

  connectTimeout(): bigint | undefined {
    return this.#connect;
  }
  setConnectTimeout(duration: bigint | undefined): void {
    this.#connect = duration;
  }
  firstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  setFirstByteTimeout(duration: bigint | undefined): void {
    this.#firstByte = duration;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(duration: bigint | undefined): void {
    this.#betweenBytes = duration;
  }
}

/** `outgoing-request`: what `handle` will send. */
export class OutgoingRequest {
  readonly #headers: Fields;
  #method: Method = { tag: 'get' };
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #pathWithQuery: string | undefined;
  #body: OutgoingBody | undefined;
  #bodyTaken = false;

  constructor(headers: WitFields) {
    this.#headers = own(headers, Fields);
    Fields.freeze(this.#headers);
  }

  /** Everything `handle` needs; the request is consumed by it. */
  static spec(request: OutgoingRequest, options: RequestOptions | undefined): ExchangeSpec {
    const scheme = request.#scheme ?? { tag: 'HTTPS' };
    if (request.#authority === undefined || scheme.tag === 'other') {
      throw { tag: scheme.tag === 'other' ? 'HTTP-protocol-error' : 'HTTP-request-URI-invalid' } satisfies ErrorCode;
    }
    const method = request.#method.tag === 'other' ? request.#method.val : request.#method.tag.toUpperCase();
    const body = request.#outgoingBody();
    if (!request.#bodyTaken) {
      // The component never asked for a body stream: the request has none.
      OutgoingBody.finish(body, undefined);
    }
    return {
      method,
      https: scheme.tag === 'HTTPS',
      authority: request.#authority,
      pathWithQuery: request.#pathWithQuery ?? '/',
      headers: Fields.freeze(request.#headers),
      body: body.sink,
      connectTimeout: options?.connectTimeout(),
      firstByteTimeout: options?.firstByteTimeout(),
      betweenBytesTimeout: options?.betweenBytesTimeout(),
    };
  }

  body(): OutgoingBody {
    if (this.#bodyTaken) {
      throw undefined;
    }
    this.#bodyTaken = true;
    return this.#outgoingBody();
  }

  method(): Method {
    return this.#method;
  }
  setMethod(method: Method): void {
    if (method.tag === 'other' && !TOKEN.test(method.val)) {
      throw undefined;
    }
    this.#method = method;
  }
  pathWithQuery(): string | undefined {
    return this.#pathWithQuery;
  }
  setPathWithQuery(pathWithQuery: string | undefined): void {
    // Node's own rule for request targets (it throws on anything else).
    if (pathWithQuery !== undefined && /[^\u0021-\u00ff]/.test(pathWithQuery)) {
      throw undefined;
    }
    this.#pathWithQuery = pathWithQuery;
  }
  scheme(): Scheme | undefined {
    return this.#scheme;
  }
  setScheme(scheme: Scheme | undefined): void {
    if (scheme?.tag === 'other' && !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme.val)) {
      throw undefined;
    }
    this.#scheme = scheme;
  }
  authority(): string | undefined {
    return this.#authority;
  }
  setAuthority(authority: string | undefined): void {
    if (authority !== undefined && !/^(\[[0-9A-Fa-f:.]+\]|[^\s/?#@[\]:]+)(:\d{1,5})?$/.test(authority)) {
      throw undefined;
    }
    this.#authority = authority;
  }
  headers(): Fields {
    return this.#headers;
  }

  #outgoingBody(): OutgoingBody {
    this.#body ??= OutgoingBody.for(new RequestBody(this.#headers));
    return this.#body;
  }
}

/** `outgoing-body`: the request body stream and its end. */
export class OutgoingBody {
  /** Where the bytes go; read by `handle`. */
  sink!: RequestBody;
  #streamTaken = false;
  #finished = false;

  static for(sink: RequestBody): OutgoingBody {
    const body = new OutgoingBody();
    body.sink = sink;
    return body;
  }

  write(): OutputStream {
    if (this.#streamTaken) {
      throw undefined;
    }
    this.#streamTaken = true;
    return OutputStream.from(this.sink);
  }

  static finish(this_: WitOutgoingBody, trailers: WitFields | undefined): void {
    const body = own(this_, OutgoingBody);
    body.#finished = true;
    body.sink.finish(trailers === undefined ? [] : Fields.freeze(own(trailers, Fields)));
  }

  /** Dropped without `finish`: wasi:http says the body is corrupt, so the request is abandoned. */
  [Symbol.dispose](): void {
    if (!this.#finished) {
      this.sink.abandon();
    }
  }
}

/** `future-incoming-response`: the response head, or why there is none. */
export class FutureIncomingResponse {
  #exchange!: Exchange;
  #taken = false;

  static for(exchange: Exchange): FutureIncomingResponse {
    const future = new FutureIncomingResponse();
    future.#exchange = exchange;
    return future;
  }

  subscribe(): Pollable {
    return Pollable.of(() => this.#exchange.outcome !== undefined);
  }

  get(): Result<Result<IncomingResponse, ErrorCode>, void> | undefined {
    const outcome = this.#exchange.outcome;
    if (outcome === undefined) {
      return undefined;
    }
    if (this.#taken) {
      return { tag: 'err', val: undefined };
    }
    this.#taken = true;
    if (outcome.error !== undefined) {
      return { tag: 'ok', val: { tag: 'err', val: outcome.error } };
    }
    return { tag: 'ok', val: { tag: 'ok', val: IncomingResponse.for(this.#exchange) } };
  }

  /** Dropped before handing the response on: nobody will read it, so stop the exchange. */
  [Symbol.dispose](): void {
    if (!this.#taken) {
      this.#exchange.abandon();
    }
  }
}

/** `incoming-response`: status, headers exactly as received, and the body. */
export class IncomingResponse {
  #exchange!: Exchange;
  #consumed = false;

  static for(exchange: Exchange): IncomingResponse {
    const response = new IncomingResponse();
    response.#exchange = exchange;
    return response;
  }

  status(): number {
    return this.#exchange.status();
  }

  headers(): Fields {
    return Fields.received(this.#exchange.rawHeaders());
  }

  consume(): IncomingBody {
    if (this.#consumed) {
      throw undefined;
    }
    this.#consumed = true;
    return IncomingBody.for(this.#exchange);
  }

  [Symbol.dispose](): void {
    if (!this.#consumed) {
      this.#exchange.abandon();
    }
  }
}

/** `incoming-body`: hands out the body stream once. */
export class IncomingBody {
  #exchange!: Exchange;
  #streamTaken = false;

  static for(exchange: Exchange): IncomingBody {
    const body = new IncomingBody();
    body.#exchange = exchange;
    return body;
  }

  stream(): InputStream {
    if (this.#streamTaken) {
      throw undefined;
    }
    this.#streamTaken = true;
    return InputStream.from(this.#exchange.responseBody());
  }

  /** Dropping the body before it was read to the end aborts the download. */
  [Symbol.dispose](): void {
    this.#exchange.abandon();
  }
}

export function httpErrorCode(error: WitIoError): ErrorCode | undefined {
  return own(error, IoError).httpCode();
}

/** `wasi:http/outgoing-handler.handle`: starts the exchange; the future reports its head. */
export function handle(request: WitOutgoingRequest, options: WitRequestOptions | undefined): FutureIncomingResponse {
  const spec = OutgoingRequest.spec(own(request, OutgoingRequest), options && own(options, RequestOptions));
  return FutureIncomingResponse.for(Exchange.start(spec, currentWaker()));
}
