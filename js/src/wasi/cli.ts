/**
 * The `wasi:cli` imports a Rust `std` component carries. The component is a library: it gets no
 * environment or arguments, may not end the process, and its stdout/stderr (panic messages)
 * go to the process's. These are implemented here rather than taken from preview2-shim because
 * they hand out `wasi:io` streams, which must be this package's stream class, and because
 * importing the shim's cli module starts its I/O worker thread.
 */
import { type ByteSink, type ByteSource, InputStream, OutputStream } from './io.js';

/** Writes through Node's own stdio streams, which never need the caller to wait. */
function stdioSink(stream: NodeJS.WriteStream): ByteSink {
  return {
    capacity: () => 64 * 1024,
    write: (bytes) => {
      stream.write(bytes);
      return undefined;
    },
    synchronous: true,
    drop: () => {},
  };
}

const emptyStdin: ByteSource = { read: () => 'closed', ready: () => true, drop: () => {} };

export const environment = {
  getEnvironment: (): Array<[string, string]> => [],
  getArguments: (): string[] => [],
  initialCwd: (): string | undefined => undefined,
};

export const exit = {
  exit(): void {
    // Returning would let the guest run on after exit; a trap stops it without ending Node.
    throw new WebAssembly.RuntimeError('the component called wasi:cli/exit');
  },
};

export const stdin = { getStdin: () => InputStream.from(emptyStdin) };
export const stdout = { getStdout: () => OutputStream.from(stdioSink(process.stdout)) };
export const stderr = { getStderr: () => OutputStream.from(stdioSink(process.stderr)) };

export class TerminalInput {}
export class TerminalOutput {}

/** Not a terminal: the component must not assume it can use one. */
export const terminalStdin = { getTerminalStdin: (): TerminalInput | undefined => undefined };
export const terminalStdout = { getTerminalStdout: (): TerminalOutput | undefined => undefined };
export const terminalStderr = { getTerminalStderr: (): TerminalOutput | undefined => undefined };
