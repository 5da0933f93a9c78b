/**
 * Session partitions: the component's `electron:net/session` import and the cookie operations
 * behind `session.cookies`, in the one module that owns them.
 *
 * They come from the session-provider component (`session-component/` in the workspace): the
 * Rust host's own jar and auth cache (`session/`) compiled to wasm, so both hosts share one
 * implementation. Its partitions live in memory for the life of the process (`persist:` ones
 * included: the component has no storage).
 */
import { insecureSeed } from '@bytecodealliance/preview2-shim/random';
import { instantiate } from '#session-provider';
import type { Cookie as WitCookie, SameSite } from '#session-wit/electron-net-cookie-admin.js';
import type * as SessionInterface from '#session-wit/electron-net-session.js';
import { instantiateComponent } from './load.js';
import * as cli from './wasi/cli.js';
import { monotonicClock, wallClock } from './wasi/clocks.js';
import { InputStream, IoError, OutputStream, Pollable } from './wasi/io.js';

/** Electron's cookie object. */
export interface Cookie {
  name: string;
  value: string;
  domain?: string;
  hostOnly?: boolean;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  session?: boolean;
  expirationDate?: number;
  sameSite: 'unspecified' | 'no_restriction' | 'lax' | 'strict';
}

/** Electron's `cookies.get` filter. */
export interface CookiesGetFilter {
  url?: string;
  name?: string;
  domain?: string;
  path?: string;
  secure?: boolean;
  session?: boolean;
  httpOnly?: boolean;
}

/** Electron's `cookies.set` details. */
export interface CookiesSetDetails {
  url: string;
  name?: string;
  value?: string;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  expirationDate?: number;
  sameSite?: Cookie['sameSite'];
}

const provider = instantiateComponent(instantiate, '#session-provider', {
  'electron:net/types@0.1.0': {},
  'wasi:io/poll@0.2.6': { Pollable },
  'wasi:io/error@0.2.6': { Error: IoError },
  'wasi:io/streams@0.2.6': { InputStream, OutputStream },
  'wasi:clocks/monotonic-clock@0.2.6': monotonicClock,
  'wasi:clocks/wall-clock@0.2.6': wallClock,
  'wasi:random/insecure-seed@0.2.6': insecureSeed,
  'wasi:cli/environment@0.2.6': cli.environment,
  'wasi:cli/exit@0.2.6': cli.exit,
  'wasi:cli/stdin@0.2.6': cli.stdin,
  'wasi:cli/stdout@0.2.6': cli.stdout,
  'wasi:cli/stderr@0.2.6': cli.stderr,
  'wasi:cli/terminal-input@0.2.6': { TerminalInput: cli.TerminalInput },
  'wasi:cli/terminal-output@0.2.6': { TerminalOutput: cli.TerminalOutput },
  'wasi:cli/terminal-stdin@0.2.6': cli.terminalStdin,
  'wasi:cli/terminal-stdout@0.2.6': cli.terminalStdout,
  'wasi:cli/terminal-stderr@0.2.6': cli.terminalStderr,
});

/** The session component's `session` export; tests wrap its functions to count calls. */
export const sessionProvider: typeof SessionInterface = provider.session;

/**
 * Partitions whose auth cache may hold credentials (some were stored) and whose jar may hold
 * cookies (some were stored or set). Supersets: forgotten credentials or expired cookies keep a
 * partition here, and the session component then answers.
 */
const mayHaveCredentials = new Set<string>();
const mayHaveCookies = new Set<string>();

/**
 * The `electron:net/session` import object of the electron:net component: the session
 * component, except for what this side already knows. Every request asks for the partition's
 * User-Agent and for preemptive credentials, usually in vain; answering those here saves two
 * calls into the session component per request.
 */
export const sessionImports: typeof SessionInterface = {
  cookieHeader: (partition, context) =>
    mayHaveCookies.has(partition) ? sessionProvider.cookieHeader(partition, context) : undefined,
  storeCookies(partition, context, setCookie) {
    if (setCookie.length > 0) {
      mayHaveCookies.add(partition);
      sessionProvider.storeCookies(partition, context, setCookie);
    }
  },
  lookupAuth: (partition, space) =>
    mayHaveCredentials.has(partition) ? sessionProvider.lookupAuth(partition, space) : undefined,
  preemptiveAuth: (partition, url) =>
    mayHaveCredentials.has(partition) ? sessionProvider.preemptiveAuth(partition, url) : undefined,
  storeAuth(partition, space, url, answer) {
    mayHaveCredentials.add(partition);
    sessionProvider.storeAuth(partition, space, url, answer);
  },
  forgetAuth(partition, space) {
    if (mayHaveCredentials.has(partition)) {
      sessionProvider.forgetAuth(partition, space);
    }
  },
  // This package offers no `setUserAgent`, so no partition has one.
  userAgent: () => undefined,
  registrableDomain: (host) => sessionProvider.registrableDomain(host),
};

/** Electron spells one same-site value with an underscore; the WIT enum with a hyphen. */
const toElectronSameSite = (sameSite: SameSite): Cookie['sameSite'] =>
  sameSite === 'no-restriction' ? 'no_restriction' : sameSite;
const fromElectronSameSite = (sameSite: Cookie['sameSite']): SameSite =>
  sameSite === 'no_restriction' ? 'no-restriction' : sameSite;

function toCookie({ expirationDate, sameSite, ...cookie }: WitCookie): Cookie {
  return { ...cookie, ...(expirationDate === undefined ? {} : { expirationDate }), sameSite: toElectronSameSite(sameSite) };
}

/** The cookie operations of `session.cookies`, per partition. */
export const cookieStore = {
  get(partition: string, filter: CookiesGetFilter): Cookie[] {
    return provider.cookieAdmin.get(partition, { ...filter }).map(toCookie);
  },

  /** Throws the jar's reason as an Error when it refuses the cookie. */
  set(partition: string, { sameSite, ...details }: CookiesSetDetails): void {
    mayHaveCookies.add(partition);
    try {
      provider.cookieAdmin.set(partition, {
        ...details,
        ...(sameSite === undefined ? {} : { sameSite: fromElectronSameSite(sameSite) }),
      });
    } catch (thrown) {
      const reason = (thrown as { payload?: unknown } | null)?.payload;
      throw typeof reason === 'string' ? new Error(reason) : thrown;
    }
  },

  remove(partition: string, url: string, name: string): void {
    provider.cookieAdmin.remove(partition, url, name);
  },
};
