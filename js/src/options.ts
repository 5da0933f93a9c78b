/**
 * `net.request()` options into the component's `request-options`.
 *
 * Only the checks JavaScript must make happen here (types the WIT cannot carry: a non-object
 * `headers`, a `session` that is not a Session, a `partition` that is not a string, a header
 * value that is null); every other value goes to the component as the user wrote it, so that it
 * alone decides what is valid and words the error.
 */
import type { RequestOptions } from '#wit/electron-net-client.js';
import { Session, sessionPartition } from './session.js';

/** Electron's `ClientRequestConstructorOptions`, plus `timeouts`. */
export interface ClientRequestConstructorOptions {
  method?: string;
  url?: string | URL;
  headers?: Record<string, string | string[] | number>;
  session?: Session;
  partition?: string;
  credentials?: 'include' | 'omit' | 'same-origin';
  useSessionCookies?: boolean;
  protocol?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
  redirect?: 'follow' | 'error' | 'manual';
  origin?: string;
  referrerPolicy?: string;
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache' | 'only-if-cached';
  priority?: 'throttled' | 'idle' | 'lowest' | 'low' | 'medium' | 'highest';
  priorityIncremental?: boolean;
  bypassCustomProtocolHandlers?: boolean;
  /**
   * Not in Electron (Chromium's limits apply there): time limits in milliseconds, 0 disables.
   * Defaults: connect 30 s (`net::ERR_CONNECTION_TIMED_OUT`), first byte and between bytes
   * 300 s each (`net::ERR_TIMED_OUT`).
   */
  /**
   * Time limits in milliseconds (0 disables one): `connectMs` (default 30000), `firstByteMs` and
   * `betweenBytesMs` (300000), and `totalMs`, the whole transaction like curl's `--max-time`
   * (default none, as in Electron). Exceeding one fails with `net::ERR_TIMED_OUT`.
   */
  timeouts?: { connectMs?: number; firstByteMs?: number; betweenBytesMs?: number; totalMs?: number };
}

/** The header check JavaScript makes before the component sees the value as a string. */
export function requireHeaderValue(name: unknown, value: unknown): void {
  if (value == null) {
    throw new Error(`\`value\` required in setHeader("${String(name)}", value)`);
  }
}

/** Electron reads most options by truthiness: an empty value means "not given". */
function given(value: unknown): string | undefined {
  return value ? String(value) : undefined;
}

function milliseconds(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 ? Math.min(Math.floor(value), 0xffffffff) : undefined;
}

export interface ParsedOptions {
  native: RequestOptions;
  /** Header values as given (`getHeader` returns them unconverted). */
  headerValues: Array<[string, unknown]>;
}

export function parseOptions(options: ClientRequestConstructorOptions | string): ParsedOptions {
  if (typeof options === 'string') {
    const native = { fromString: true, url: options, headers: [], useSessionCookies: false, bypassCustomProtocolHandlers: false, timeouts: {} };
    return { native, headerValues: [] };
  }
  const raw = options as Record<string, unknown>;
  if (raw.headers != null && typeof raw.headers !== 'object') {
    throw new TypeError('headers must be an object');
  }
  const headerValues = Object.entries((raw.headers ?? {}) as Record<string, unknown>);
  for (const [name, value] of headerValues) {
    requireHeaderValue(name, value);
  }
  let partition: string | undefined;
  if (raw.session) {
    if (!(raw.session instanceof Session)) {
      throw new TypeError('`session` should be an instance of the Session class');
    }
    partition = sessionPartition(raw.session);
  } else if (raw.partition) {
    if (typeof raw.partition !== 'string') {
      throw new TypeError('`partition` should be a string');
    }
    partition = raw.partition;
  }
  const timeouts = (raw.timeouts ?? {}) as Record<string, unknown>;
  const native: RequestOptions = {
    fromString: false,
    url: given(raw.url) ?? given(raw.href),
    method: given(raw.method),
    headers: headerValues.map(([name, value]) => [name, String(value)]),
    partition,
    credentials: given(raw.credentials),
    useSessionCookies: Boolean(raw.useSessionCookies),
    protocol: given(raw.protocol),
    host: given(raw.host),
    hostname: given(raw.hostname),
    port: given(raw.port),
    path: given(raw.path),
    redirect: given(raw.redirect),
    origin: given(raw.origin),
    referrerPolicy: given(raw.referrerPolicy),
    cache: given(raw.cache),
    priority: given(raw.priority),
    priorityIncremental: raw.priorityIncremental === undefined ? undefined : Boolean(raw.priorityIncremental),
    bypassCustomProtocolHandlers: Boolean(raw.bypassCustomProtocolHandlers),
    timeouts: {
      connectMs: milliseconds(timeouts.connectMs),
      firstByteMs: milliseconds(timeouts.firstByteMs),
      betweenBytesMs: milliseconds(timeouts.betweenBytesMs),
      totalMs: milliseconds(timeouts.totalMs),
    },
  };
  return { native, headerValues };
}

/** Node's `ClientRequest` describes its target with these (after validation by the component). */
export function describeTarget(native: RequestOptions): { protocol: string; host: string; path: string } {
  try {
    const url = new URL(
      native.url ??
        `${native.protocol ?? 'http:'}//${native.host ?? `${native.hostname ?? 'localhost'}${native.port ? `:${native.port}` : ''}`}${native.path ?? '/'}`,
    );
    return { protocol: url.protocol, host: url.hostname, path: `${url.pathname}${url.search}` };
  } catch {
    return { protocol: native.protocol ?? 'http:', host: native.hostname ?? 'localhost', path: native.path ?? '/' };
  }
}
