/**
 * Electron's `ClientRequest`: a Node Writable over one `client-request` of the component.
 *
 * The component produces the events in Electron's order; this class delivers them one by one
 * and maps them onto the Writable's life cycle (`finish` through `_final`'s callback, `close`
 * through `destroy()`). Node emits those two a tick later, so delivery pauses until they are
 * out; and the component is only polled again once every event it returned was delivered,
 * because decisions taken inside listeners (`followRedirect()`, `abort()`) must reach it before
 * its next poll.
 */
import { Writable } from 'node:stream';
import type { ClientRequest as Native, Event } from '#wit/electron-net-client.js';
import type { AuthInfo, RedirectInfo, RequestError, ResponseHead, UploadProgress } from '#wit/electron-net-types.js';
import { type ComponentInstance, componentInstance } from './component.js';
import { ComponentTrap, callExport, toError } from './errors.js';
import { IncomingMessage, kClose, kEnd, kFail, kPush, kWantedBytes } from './incoming-message.js';
import { type ClientRequestConstructorOptions, describeTarget, parseOptions, requireHeaderValue } from './options.js';
import { run, schedule } from './scheduler.js';
import { withWaker } from './wasi/waker.js';

/** Events taken per poll; more are picked up by the next poll, which follows at once. */
const MAX_EVENTS = 64;
/** Events after which the component may have produced its last one. */
const CLOSING_EVENTS = new Set<Event['tag']>(['response-close', 'error', 'abort']);
/** What the component may read of a response whose IncomingMessage does not exist yet. */
const FIRST_READ_BYTES = 256 * 1024;
/** The request's native `client-request`, for the package's tests only (not exported by the package). */
export const kNative = Symbol('native');
/** How soon to look again when the total deadline's wake-up came a moment early. */
const TOTAL_RECHECK_MS = 5;

export type LoginCallback = (username?: string, password?: string) => void;

export class ClientRequest extends Writable {
  /** Node `http.ClientRequest` compatibility: true once `abort()` was called. */
  aborted = false;
  /** Node compatibility: the request method, upper-cased. */
  readonly method: string;
  /** Node compatibility: the target's host name. */
  readonly host: string;
  /** Node compatibility: the target's path and query. */
  readonly path: string;
  /** Node compatibility: `'http:'` or `'https:'`. */
  readonly protocol: string;
  /** Node compatibility; the component applies Chromium's limits instead. */
  maxHeadersCount: number | null = null;
  /** Node compatibility; connection reuse is not visible through wasi:http. */
  readonly reusedSocket = false;

  readonly #native: Native;
  /** The component instance the request lives in, and how to stop hearing of its trap. */
  readonly #instance: ComponentInstance;
  #unwatch: (() => void) | undefined;
  /** What the instance threw when it trapped, for the `error` event's `cause`. */
  #trap: ComponentTrap | undefined;
  /** Header values as given, for `getHeader` (the component stores strings). */
  readonly #headerValues = new Map<string, unknown>();
  readonly #pumpTask = (): void => this.#pump();
  /** Something happened that the component may act on: poll it soon. */
  readonly #wake = (): void => {
    this.#pollDue = true;
    schedule(this.#pumpTask);
  };
  #pollDue = false;
  /** Events returned by the component and not delivered yet. */
  #queue: Event[] = [];
  /** Delivery waits for Node to emit `finish` or `close`. */
  #waiting = false;
  /** The component produced its last event: it is never polled again. */
  #done = false;
  #response: IncomingMessage | undefined;
  /** `_write` callback held while the component's chunked buffer is full (until `drain`). */
  #heldWrite: (() => void) | undefined;
  /** `_final` callback, called when the component reports `finish`. */
  #final: (() => void) | undefined;
  /** Node emitted `close` (`closed` turns true earlier, when `destroy()` is called). */
  #closeEmitted = false;
  /** Written to or ended: the component now rejects header changes itself. */
  #headersSent = false;
  #idleTimeout = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** `timeouts.totalMs`: the component enforces it, but only when polled, so a timer wakes it. */
  readonly #totalMs: number | undefined;
  #totalTimer: NodeJS.Timeout | undefined;

  constructor(options: ClientRequestConstructorOptions | string, callback?: (response: IncomingMessage) => void) {
    super({ autoDestroy: false, emitClose: true });
    this.once('close', () => (this.#closeEmitted = true));
    const { native, headerValues } = parseOptions(options);
    this.#instance = componentInstance();
    this.#native = this.#call(() => this.#instance.ClientRequest.create(native));
    this.#totalMs = native.timeouts.totalMs || undefined;
    for (const [name, value] of headerValues) {
      this.#headerValues.set(name.toLowerCase(), value);
    }
    const target = describeTarget(native);
    this.method = (native.method ?? 'GET').toUpperCase();
    this.host = target.host;
    this.path = target.path;
    this.protocol = target.protocol;
    if (callback) {
      this.once('response', callback);
    }
  }

  get [kNative](): Native {
    return this.#native;
  }

  get chunkedEncoding(): boolean {
    return this.#call(() => this.#native.chunkedEncoding());
  }

  set chunkedEncoding(value: boolean) {
    this.#call(() => this.#native.setChunkedEncoding(Boolean(value)));
  }

  setHeader(name: string, value: unknown): void {
    // Once sent, the component's "Can't set headers after they are sent" comes first.
    if (!this.#headersSent) {
      if (typeof name !== 'string') {
        throw new TypeError('`name` should be a string in setHeader(name, value)');
      }
      requireHeaderValue(name, value);
    }
    this.#call(() => this.#native.setHeader(String(name), String(value)));
    this.#headerValues.set(String(name).toLowerCase(), value);
  }

  getHeader(name: string): unknown {
    if (name == null) {
      throw new Error('`name` is required for getHeader(name)');
    }
    const value = this.#call(() => this.#native.getHeader(String(name)));
    const given = this.#headerValues.get(String(name).toLowerCase());
    return value !== undefined && String(given) === value ? given : value;
  }

  removeHeader(name: string): void {
    if (name == null) {
      throw new Error('`name` is required for removeHeader(name)');
    }
    this.#call(() => this.#native.removeHeader(String(name)));
    this.#headerValues.delete(String(name).toLowerCase());
  }

  /** Node compatibility: lowercase name → value. */
  getHeaders(): Record<string, unknown> {
    const headers: Record<string, unknown> = Object.create(null);
    for (const [name] of this.#call(() => this.#native.headerEntries())) {
      headers[name.toLowerCase()] = this.getHeader(name);
    }
    return headers;
  }

  /** Node compatibility: lowercase names. */
  getHeaderNames(): string[] {
    return this.#call(() => this.#native.headerEntries()).map(([name]) => name.toLowerCase());
  }

  /** Node compatibility: names as given, in wire order. */
  getRawHeaderNames(): string[] {
    return this.#call(() => this.#native.headerEntries()).map(([name]) => name);
  }

  /** Node compatibility. */
  hasHeader(name: string): boolean {
    return this.#call(() => this.#native.getHeader(String(name))) !== undefined;
  }

  /** Only valid inside a `redirect` listener under `redirect: 'manual'`. */
  followRedirect(): void {
    this.#call(() => this.#native.followRedirect());
  }

  abort(): void {
    this.#callUnlessTrapped(() => this.#native.abort());
    this.aborted = true;
    this.#headersSent = true;
    this.#wake();
  }

  getUploadProgress(): UploadProgress {
    return { ...this.#call(() => this.#native.getUploadProgress()) };
  }

  /** Node compatibility: emits `timeout` after `ms` without any activity (0 disables). */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) {
      this.once('timeout', callback);
    }
    this.#idleTimeout = ms;
    this.#touch();
    return this;
  }

  /** Node compatibility: the headers go out when the request starts (`end()`, or the first chunked write). */
  flushHeaders(): void {}

  /** Node compatibility: sockets belong to the WASI layer's keep-alive pool. */
  setNoDelay(): void {}

  /** Node compatibility: sockets belong to the WASI layer's keep-alive pool. */
  setSocketKeepAlive(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#headersSent = true;
    this.#watchTraps();
    let accepted: boolean;
    try {
      accepted = this.#call(() => this.#native.write(chunk));
    } catch (error) {
      // After a trap the request's own `error` event is on its way; the write just never ends.
      return error instanceof ComponentTrap ? undefined : callback(error as Error);
    }
    this.#wake();
    // A chunked request starts with its first write, a buffered one at `end()`. (Asked only
    // when there is a total limit: it is a call into the component.)
    if (this.#totalMs !== undefined && this.chunkedEncoding) {
      this.#startTotal();
    }
    if (accepted) {
      callback();
    } else {
      this.#heldWrite = () => callback();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#headersSent = true;
    this.#watchTraps();
    try {
      this.#call(() => this.#native.end(undefined));
    } catch (error) {
      return error instanceof ComponentTrap ? undefined : callback(error as Error);
    }
    this.#final = () => callback();
    // Start now, as Electron does inside end(); the events are delivered asynchronously.
    this.#poll();
    this.#startTotal();
    schedule(this.#pumpTask);
  }

  /**
   * Starts the wake-up for the total deadline, once, when the request starts. The component
   * started its own clock at the first hop, a moment later, so a wake that finds the request
   * still running looks again shortly after.
   */
  #startTotal(): void {
    if (this.#totalMs === undefined || this.#totalTimer !== undefined) {
      return;
    }
    const check = (): void => {
      this.#wake();
      if (!this.#done) {
        this.#totalTimer = setTimeout(check, TOTAL_RECHECK_MS).unref();
      }
    };
    this.#totalTimer = setTimeout(check, this.#totalMs).unref();
  }

  /**
   * An export call: errors become Electron's, resources it creates wake this request. A trap
   * fails every request of the instance (this one included) and is thrown as a
   * {@link ComponentTrap}; a trapped instance is never entered again.
   */
  #call<T>(call: () => T): T {
    const trapped = this.#instance.trapped;
    if (trapped !== undefined) {
      throw trapped;
    }
    try {
      return withWaker(this.#wake, () => callExport(call));
    } catch (error) {
      if (error instanceof ComponentTrap) {
        this.#instance.markTrapped(error);
      }
      throw error;
    }
  }

  /** For calls that never fail in Electron: after a trap they do nothing (the request is failing). */
  #callUnlessTrapped(call: () => void): void {
    try {
      this.#call(call);
    } catch (error) {
      if (!(error instanceof ComponentTrap)) {
        throw error;
      }
    }
  }

  /**
   * From its start until its last event, a trap of the instance fails the request. (Only then:
   * the instance's list must not keep a request nobody started alive.)
   */
  #watchTraps(): void {
    this.#unwatch ??= this.#instance.watch((trap) => this.#failTrapped(trap));
  }

  /**
   * The instance trapped: nothing more can come from the component, so the request ends the way
   * a failed one does, with `error` (`net::ERR_FAILED`, the trap as its `cause`) and its closing
   * event.
   */
  #failTrapped(trap: ComponentTrap): void {
    if (this.#done) {
      return;
    }
    this.#done = true;
    this.#trap = trap;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#totalTimer);
    this.#queue.push({ tag: 'error', val: { code: { tag: 'net', val: 'failed' }, class: 'error', message: trap.message } });
    if (this.#response !== undefined || this.#queue.some((event) => event.tag === 'response')) {
      this.#queue.push({ tag: 'response-close' });
    } else if (!this.#closeEmitted && !this.#queue.some((event) => event.tag === 'close')) {
      this.#queue.push({ tag: 'close' });
    }
    schedule(this.#pumpTask);
  }

  #pump(): void {
    this.#deliver();
    if (this.#pollDue && this.#poll()) {
      this.#deliver();
    }
  }

  /**
   * Takes the component's new events unless some are still undelivered (a decision taken in a
   * listener must reach the component before its next poll).
   */
  #poll(): boolean {
    if (this.#done || this.#waiting || this.#queue.length > 0) {
      return false;
    }
    this.#pollDue = false;
    const maxBytes = this.#response?.[kWantedBytes]() ?? FIRST_READ_BYTES;
    let events: Event[];
    let done: boolean;
    try {
      events = this.#call(() => this.#native.pollEvents(MAX_EVENTS, maxBytes));
      done = events.some((event) => CLOSING_EVENTS.has(event.tag)) && this.#call(() => this.#native.isDone());
    } catch (error) {
      if (error instanceof ComponentTrap) {
        return false; // #failTrapped queued the request's last events.
      }
      throw error;
    }
    this.#queue.push(...events);
    if (done) {
      this.#done = true;
      this.#unwatch?.();
      clearTimeout(this.#idleTimer);
      clearTimeout(this.#totalTimer);
    } else if (events.length === MAX_EVENTS || events.some((event) => event.tag === 'redirect')) {
      // More events are waiting, or a redirect is decided at the start of the next poll.
      this.#wake();
    }
    return events.length > 0;
  }

  #deliver(): void {
    while (!this.#waiting && this.#queue.length > 0) {
      this.#touch();
      this.#emitEvent(this.#queue.shift()!);
    }
  }

  #emitEvent(event: Event): void {
    switch (event.tag) {
      case 'finish':
        return this.#onFinish();
      case 'close':
        return this.#onClose();
      case 'response':
        return this.#onResponse(event.val);
      case 'data':
        return this.#response?.[kPush](Buffer.from(event.val.buffer, event.val.byteOffset, event.val.byteLength));
      case 'end':
        return this.#response?.[kEnd]();
      case 'response-close':
        return this.#response?.[kClose]();
      case 'redirect':
        return this.#onRedirect(event.val);
      case 'login':
        return this.#onLogin(event.val);
      case 'upload-progress':
        this.emit('upload-progress', event.val.current, event.val.total);
        return;
      case 'drain':
        return this.#releaseWrite();
      case 'abort':
        this.emit('abort');
        return;
      case 'error':
        return this.#onError(event.val);
    }
  }

  #onFinish(): void {
    const final = this.#final;
    this.#final = undefined;
    final?.();
    // The Writable emits `finish` on the next tick, unless it failed or was destroyed meanwhile.
    if (final !== undefined && !this.writableFinished && !this.destroyed && this.errored === null) {
      this.#waitFor('finish');
    }
  }

  #onClose(): void {
    this.#releaseWrite();
    if (!this.destroyed) {
      this.destroy();
    }
    if (!this.#closeEmitted) {
      this.#waitFor('close');
    }
  }

  #onResponse(head: ResponseHead): void {
    this.#response = new IncomingMessage(head, this.#wake);
    this.emit('response', this.#response);
  }

  #onRedirect(info: RedirectInfo): void {
    const headers: Record<string, string[]> = {};
    for (const { name, values } of info.headers) {
      headers[name] = values;
    }
    this.emit('redirect', info.statusCode, info.method, info.url, headers);
  }

  #onLogin(info: AuthInfo): void {
    const callback: LoginCallback = (username, password) => {
      if (this.aborted) {
        return;
      }
      const answer = username === undefined ? undefined : { username: String(username), password: String(password ?? '') };
      this.#callUnlessTrapped(() => this.#native.answerLogin(answer));
      this.#wake();
    };
    // Without a listener Electron declines, which delivers the 401/407 as the response.
    if (!this.emit('login', { ...info }, callback)) {
      callback();
    }
  }

  #onError(requestError: RequestError): void {
    const error = this.#trap ?? toError(requestError);
    this.#releaseWrite();
    this.#response?.[kFail](error);
    this.emit('error', error);
  }

  #releaseWrite(): void {
    const held = this.#heldWrite;
    this.#heldWrite = undefined;
    held?.();
  }

  #waitFor(event: 'finish' | 'close'): void {
    this.#waiting = true;
    this.once(event, () => {
      this.#waiting = false;
      run(this.#pumpTask);
    });
  }

  /** Restarts the `setTimeout()` idle timer. */
  #touch(): void {
    clearTimeout(this.#idleTimer);
    if (this.#idleTimeout > 0 && !this.#done) {
      this.#idleTimer = setTimeout(() => this.emit('timeout'), this.#idleTimeout).unref();
    }
  }
}
