/**
 * `wasi:io/{poll,error,streams}` for Node, without a worker thread.
 *
 * Streams are thin fronts over a {@link ByteSource} or {@link ByteSink} that the owner (an HTTP
 * body, stdout) implements with plain Node objects. Only non-blocking operations are served:
 * the JavaScript layer never calls the component's `blocking-poll-events`, so a blocking call
 * that would have to wait means a caller broke that rule.
 */
import type { Pollable as WitPollable } from '#wit/wasi-io-poll.js';
import type { ErrorCode } from '#wit/wasi-http-types.js';

const BLOCKING_UNSUPPORTED = 'blocking is not supported under Node';

/**
 * A resource the component passes back to its host. jco hands over the very object this package
 * created; the generated types only describe its WIT shape, so this recovers the class.
 */
export function own<T>(value: object, type: abstract new (...args: never[]) => T): T {
  if (!(value instanceof type)) {
    throw new TypeError(`expected this package's ${type.name}`);
  }
  return value;
}

/** `wasi:io/poll.pollable`: readiness as a predicate over its owner's state. */
export class Pollable {
  #isReady: () => boolean = () => true;

  static of(isReady: () => boolean): Pollable {
    const pollable = new Pollable();
    pollable.#isReady = isReady;
    return pollable;
  }

  ready(): boolean {
    return this.#isReady();
  }

  block(): void {
    if (!this.#isReady()) {
      throw new Error(BLOCKING_UNSUPPORTED);
    }
  }
}

/** `wasi:io/poll.poll`: answers at once when something is ready; waiting is not possible. */
export function poll(pollables: WitPollable[]): Uint32Array {
  const ready = pollables.flatMap((pollable, index) => (own(pollable, Pollable).ready() ? [index] : []));
  if (ready.length === 0) {
    throw new Error(BLOCKING_UNSUPPORTED);
  }
  return Uint32Array.from(ready);
}

/** `wasi:io/error.error`, carrying the `wasi:http` error code when the failure was HTTP's. */
export class IoError {
  #message = '';
  #code: ErrorCode | undefined;

  static of(message: string, code?: ErrorCode): IoError {
    const error = new IoError();
    error.#message = message;
    error.#code = code;
    return error;
  }

  toDebugString(): string {
    return this.#message;
  }

  /** For `wasi:http/types.http-error-code`. */
  httpCode(): ErrorCode | undefined {
    return this.#code;
  }
}

/** How a stream ended: cleanly, or with an error. */
export type StreamEnd = 'closed' | IoError;

/** What an {@link InputStream} reads from. */
export interface ByteSource {
  /** Up to `max` bytes available now (empty if none yet), or how the stream ended. */
  read(max: number): Uint8Array | StreamEnd;
  /** True when `read` would return bytes or an end. */
  ready(): boolean;
  /** The component dropped the stream. */
  drop(): void;
}

/** What an {@link OutputStream} writes to. */
export interface ByteSink {
  /** How many bytes `write` may take now (0: wait), or how the stream ended. */
  capacity(): number | StreamEnd;
  /** Takes bytes `capacity` allowed; returns how the stream ended if they were refused. */
  write(bytes: Uint8Array): StreamEnd | undefined;
  /** True when writing can complete synchronously (stdio), so blocking calls are allowed. */
  readonly synchronous: boolean;
  /** The component dropped the stream. */
  drop(): void;
}

/** Thrown to return `stream-error` from an import (jco turns a thrown value into `err`). */
function streamError(end: StreamEnd): { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError } {
  return end === 'closed' ? { tag: 'closed' } : { tag: 'last-operation-failed', val: end };
}

/** `wasi:io/streams.input-stream`. */
export class InputStream {
  #source!: ByteSource;
  /** An error is reported once; afterwards the stream is closed (wasi:io semantics). */
  #ended: StreamEnd | undefined;

  static from(source: ByteSource): InputStream {
    const stream = new InputStream();
    stream.#source = source;
    return stream;
  }

  read(len: bigint): Uint8Array {
    if (this.#ended !== undefined) {
      throw streamError('closed');
    }
    const result = this.#source.read(Number(len > 0x7fffffffn ? 0x7fffffffn : len));
    if (result instanceof Uint8Array) {
      return result;
    }
    this.#ended = result;
    throw streamError(result);
  }

  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  subscribe(): Pollable {
    return Pollable.of(() => this.#ended !== undefined || this.#source.ready());
  }

  [Symbol.dispose](): void {
    this.#source.drop();
  }
}

/** `wasi:io/streams.output-stream`. */
export class OutputStream {
  #sink!: ByteSink;

  static from(sink: ByteSink): OutputStream {
    const stream = new OutputStream();
    stream.#sink = sink;
    return stream;
  }

  checkWrite(): bigint {
    const capacity = this.#sink.capacity();
    if (typeof capacity !== 'number') {
      throw streamError(capacity);
    }
    return BigInt(capacity);
  }

  write(contents: Uint8Array): void {
    const capacity = this.#sink.capacity();
    if (typeof capacity !== 'number') {
      throw streamError(capacity);
    }
    const refused = this.#sink.write(contents);
    if (refused !== undefined) {
      throw streamError(refused);
    }
  }

  /** Bytes are handed to Node as they are written, so there is nothing to push. */
  flush(): void {
    this.checkWrite();
  }

  blockingWriteAndFlush(contents: Uint8Array): void {
    this.#requireSynchronous();
    this.write(contents);
  }

  blockingFlush(): void {
    this.#requireSynchronous();
    this.flush();
  }

  subscribe(): Pollable {
    return Pollable.of(() => {
      const capacity = this.#sink.capacity();
      return typeof capacity !== 'number' || capacity > 0;
    });
  }

  [Symbol.dispose](): void {
    this.#sink.drop();
  }

  #requireSynchronous(): void {
    if (!this.#sink.synchronous) {
      throw new Error(BLOCKING_UNSUPPORTED);
    }
  }
}
