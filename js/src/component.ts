/**
 * The electron:net component, instantiated once for the process with this package's WASI
 * implementation. Each request is one `client-request` resource of this instance.
 */
import { random } from '@bytecodealliance/preview2-shim/random';
import { instantiate } from '#component';
import type * as Client from '#wit/electron-net-client.js';
import { credentialsImports } from './credentials.js';
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

const root = instantiateComponent(instantiate, '#component', {
  ...wasiImports,
  'electron:net/types@0.1.0': {},
  'electron:net/session@0.1.0': sessionImports,
  'electron:net/credentials@0.1.0': credentialsImports,
});

/** The component's `client-request` resource class. */
export const NativeClientRequest: typeof Client.ClientRequest = root.client.ClientRequest;
