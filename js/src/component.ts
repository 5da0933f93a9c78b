/**
 * The electron:net component, instantiated once for the process (and again after a trap) with
 * this package's WASI implementation. Each request is one `client-request` resource of it.
 */
import { random } from '@bytecodealliance/preview2-shim/random';
import { instantiate } from '#component';
import type * as Client from '#wit/electron-net-client.js';
import { credentialsImports } from './credentials.js';
import type { ComponentTrap } from './errors.js';
import { instantiateComponent } from './load.js';
import { sessionImports } from './session-backend.js';
import * as cli from './wasi/cli.js';
import { monotonicClock } from './wasi/clocks.js';
import * as http from './wasi/http.js';
import { InputStream, IoError, OutputStream, Pollable, poll } from './wasi/io.js';

/** Every import but the session partitions and the credentials callback. */
const wasiImports = {
  'wasi:io/poll@0.2.12': { Pollable, poll },
  'wasi:io/error@0.2.12': { Error: IoError },
  'wasi:io/streams@0.2.12': { InputStream, OutputStream },
  'wasi:clocks/monotonic-clock@0.2.12': monotonicClock,
  'wasi:http/types@0.2.12': {
    Fields: http.Fields,
    FutureIncomingResponse: http.FutureIncomingResponse,
    IncomingBody: http.IncomingBody,
    IncomingResponse: http.IncomingResponse,
    OutgoingBody: http.OutgoingBody,
    OutgoingRequest: http.OutgoingRequest,
    RequestOptions: http.RequestOptions,
    httpErrorCode: http.httpErrorCode,
  },
  'wasi:http/outgoing-handler@0.2.12': { handle: http.handle },
  'wasi:random/random@0.2.12': random,
  'wasi:cli/environment@0.2.12': cli.environment,
  'wasi:cli/exit@0.2.12': cli.exit,
  'wasi:cli/stdin@0.2.12': cli.stdin,
  'wasi:cli/stdout@0.2.12': cli.stdout,
  'wasi:cli/stderr@0.2.12': cli.stderr,
  'wasi:cli/terminal-input@0.2.12': { TerminalInput: cli.TerminalInput },
  'wasi:cli/terminal-output@0.2.12': { TerminalOutput: cli.TerminalOutput },
  'wasi:cli/terminal-stdin@0.2.12': cli.terminalStdin,
  'wasi:cli/terminal-stdout@0.2.12': cli.terminalStdout,
  'wasi:cli/terminal-stderr@0.2.12': cli.terminalStderr,
};

/**
 * One instance of the component and the requests living in it. A trap leaves an instance unusable
 * for good: it fails every request it holds, and the next request gets a fresh instance.
 */
export class ComponentInstance {
  /** The instance's `client-request` resource class. */
  readonly ClientRequest: typeof Client.ClientRequest;
  #trapped: ComponentTrap | undefined;
  readonly #watchers = new Set<(trap: ComponentTrap) => void>();

  constructor() {
    const root = instantiateComponent(instantiate, '#component', {
      ...wasiImports,
      'electron:net/types@0.1.0': {},
      'electron:net/session@0.1.0': sessionImports,
      'electron:net/credentials@0.1.0': credentialsImports,
    });
    this.ClientRequest = root.client.ClientRequest;
  }

  get trapped(): ComponentTrap | undefined {
    return this.#trapped;
  }

  /** Runs `fail` if the instance traps, until the returned function is called. */
  watch(fail: (trap: ComponentTrap) => void): () => void {
    this.#watchers.add(fail);
    return () => this.#watchers.delete(fail);
  }

  /** The instance trapped: every request still in it fails. */
  markTrapped(trap: ComponentTrap): void {
    if (this.#trapped !== undefined) {
      return;
    }
    this.#trapped = trap;
    const watchers = [...this.#watchers];
    this.#watchers.clear();
    for (const fail of watchers) {
      fail(trap);
    }
  }
}

let current: ComponentInstance | undefined;

/** The instance new requests go to: the process's one instance, replaced after a trap. */
export function componentInstance(): ComponentInstance {
  if (current === undefined || current.trapped !== undefined) {
    current = new ComponentInstance();
  }
  return current;
}
