/** Loopback servers and event recorders shared by the suites. */
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import type { ClientRequest, IncomingMessage } from '../src/index.js';

export interface Server {
  url: string;
  port: number;
  server: net.Server;
}

/** Starts a server on 127.0.0.1 for the duration of the test. */
async function start(t: TestContext, server: net.Server, scheme: string): Promise<Server> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) {
      socket.destroy();
    }
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `${scheme}://127.0.0.1:${port}`, port, server };
}

export function serve(t: TestContext, handler: http.RequestListener): Promise<Server> {
  return start(t, http.createServer(handler), 'http');
}

/** A raw TCP server, for responses node:http would not send (exact header case, broken framing). */
export function serveRaw(t: TestContext, onConnection: (socket: net.Socket) => void): Promise<Server> {
  return start(t, net.createServer(onConnection), 'http');
}

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));

export function serveTls(t: TestContext, certificate: string, handler: http.RequestListener): Promise<Server> {
  return start(t, https.createServer({ key: fixture('server.key'), cert: fixture(certificate) }, handler), 'https');
}

export function fixturePath(name: string): string {
  return new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Reads a request or response body to the end. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(Buffer.from(chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** Every event a request and its response emit, in order, as `name` or `name:message`. */
export interface Recording {
  request: string[];
  response: string[];
  errors: Error[];
  /** The response, once it started. */
  responded: Promise<IncomingMessage>;
  /**
   * The response's `close`. A response read in flowing mode ends and closes within the tick
   * after its last data, before an `await` on `responded` resumes, so this listens from the start.
   */
  responseClosed: Promise<void>;
  /** The response's first `data` (same reason). */
  receivedData: Promise<void>;
}

export function record(request: ClientRequest, { readBody = true } = {}): Recording {
  let responded!: (response: IncomingMessage) => void;
  let closed!: () => void;
  let receivedData!: () => void;
  const recording: Recording = {
    request: [],
    response: [],
    errors: [],
    responded: new Promise((resolve) => (responded = resolve)),
    responseClosed: new Promise((resolve) => (closed = resolve)),
    receivedData: new Promise((resolve) => (receivedData = resolve)),
  };
  for (const name of ['finish', 'close', 'redirect', 'abort', 'error']) {
    request.on(name, (value: unknown) => {
      if (value instanceof Error) {
        recording.errors.push(value);
      }
      recording.request.push(value instanceof Error ? `${name}:${value.message}` : name);
    });
  }
  request.on('response', (response: IncomingMessage) => {
    recording.request.push('response');
    responded(response);
    response.on('close', closed);
    for (const name of ['end', 'close', 'error', 'aborted']) {
      response.on(name, (value: unknown) => {
        if (value instanceof Error) {
          recording.errors.push(value);
        }
        recording.response.push(value instanceof Error ? `${name}:${value.message}` : name);
      });
    }
    if (readBody) {
      response.on('data', () => {
        receivedData();
        if (recording.response.at(-1) !== 'data') {
          recording.response.push('data');
        }
      });
    }
  });
  return recording;
}

/** Lets every pending callback, tick and immediate run, so late events would have shown up. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await nextTurn();
  }
}

/** Resolves when `emitter` emits `name`, with its arguments (without rejecting on 'error'). */
export function event<T extends unknown[] = unknown[]>(emitter: NodeJS.EventEmitter, name: string): Promise<T> {
  return new Promise((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args as T)));
}
