/**
 * Electron's `IncomingMessage`: the response head and a Readable body with real backpressure.
 *
 * The body is pulled, never pushed ahead: the owning request asks the component for at most
 * {@link kWantedBytes} bytes, which is 0 while this stream does not want data (paused, or its
 * buffer full), so an unread response stops being read from the socket and TCP slows the server.
 */
import { Readable } from 'node:stream';
import type { ResponseHead } from '#wit/electron-net-types.js';

/** Package-internal operations, keyed by symbols that are not exported from the package. */
export const kWantedBytes = Symbol('wantedBytes');
export const kPush = Symbol('push');
export const kEnd = Symbol('end');
export const kClose = Symbol('close');
export const kFail = Symbol('fail');

const BUFFER_BYTES = 256 * 1024;
/** Smallest read worth a poll when the consumer asked for data beyond the buffer's size. */
const MIN_READ_BYTES = 16 * 1024;

export class IncomingMessage extends Readable {
  readonly #head: ResponseHead;
  readonly #pull: () => void;
  #wanted = false;
  #ended = false;
  #headers: Record<string, string | string[]> | undefined;
  #rawHeaders: string[] | undefined;

  /** @internal Created by `ClientRequest` when the response starts. */
  constructor(head: ResponseHead, pull: () => void) {
    super({ highWaterMark: BUFFER_BYTES });
    this.#head = head;
    this.#pull = pull;
  }

  get statusCode(): number {
    return this.#head.statusCode;
  }

  get statusMessage(): string {
    return this.#head.statusMessage;
  }

  get httpVersion(): string {
    return `${this.#head.httpVersionMajor}.${this.#head.httpVersionMinor}`;
  }

  get httpVersionMajor(): number {
    return this.#head.httpVersionMajor;
  }

  get httpVersionMinor(): number {
    return this.#head.httpVersionMinor;
  }

  /** Lowercase names; `set-cookie` is always an array; other repeats were folded by the component. */
  get headers(): Record<string, string | string[]> {
    if (this.#headers === undefined) {
      this.#headers = {};
      for (const { name, values } of this.#head.headers) {
        this.#headers[name] = name === 'set-cookie' ? [...values] : (values[0] ?? '');
      }
    }
    return this.#headers;
  }

  /** `[name, value, name, value, ...]` in wire order and case. */
  get rawHeaders(): string[] {
    this.#rawHeaders ??= this.#head.rawHeaders.flat();
    return this.#rawHeaders;
  }

  get trailers(): never {
    throw new Error('HTTP trailers are not supported');
  }

  get rawTrailers(): never {
    throw new Error('HTTP trailers are not supported');
  }

  override _read(): void {
    this.#wanted = true;
    this.#pull();
  }

  [kWantedBytes](): number {
    return this.#wanted ? Math.max(this.readableHighWaterMark - this.readableLength, MIN_READ_BYTES) : 0;
  }

  [kPush](chunk: Buffer): void {
    if (!this.push(chunk)) {
      this.#wanted = false;
    }
  }

  [kEnd](): void {
    this.#ended = true;
    this.push(null);
  }

  /** The response closed: after `end` the stream closes itself; otherwise (abort) close it now. */
  [kClose](): void {
    if (!this.#ended && !this.destroyed) {
      this.destroy();
    }
  }

  [kFail](error: Error): void {
    if (!this.#ended && !this.destroyed) {
      this.#ended = true;
      this.destroy(error);
    }
  }
}
