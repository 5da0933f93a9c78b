// `npm run bench`: this package against plain node:http on the same in-process server, and this
// package's WASI implementation against jco's stock preview2-shim, on the same component.
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ImportObject, Root } from '#component';
import type { ClientRequest as Native, RequestOptions } from '#wit/electron-net-client.js';
import { loadComponent, NativeClientRequest } from '../src/component.js';
import { credentialsImports } from '../src/credentials.js';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { sessionImports } from '../src/session-backend.js';

const SEQUENTIAL = 200;
const CONCURRENT = 200;
const IDLE_POLLS = 20_000;

const server = http.createServer((req, res) => {
  if (req.url === '/slow') {
    setTimeout(() => res.end('late'), 1500);
  } else {
    res.end('hello');
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const agent = new http.Agent({ keepAlive: true });

function plainGet(path = '/'): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      })
      .on('error', reject);
  });
}

function packageGet(path = '/'): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = net.request(`${base}${path}`);
    request.on('response', (response: IncomingMessage) => {
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end();
  });
}

const options = (url: string): RequestOptions => ({
  fromString: true,
  url,
  headers: [],
  useSessionCookies: false,
  bypassCustomProtocolHandlers: false,
  timeouts: {},
});

/** jco gives exported resources a `Symbol.dispose` that its generated types leave out. */
function dispose(request: Native): void {
  (request as unknown as Disposable)[Symbol.dispose]();
}

/**
 * The driver a host without wake-ups needs: poll every request once per event-loop turn until it
 * is done (what the stock shim allows, since its resources cannot say when they are ready).
 */
async function drivePolling(requests: Native[]): Promise<void> {
  let pending = requests;
  while (pending.length > 0) {
    for (const request of pending) {
      request.pollEvents(64, 1 << 20);
    }
    pending = pending.filter((request) => !request.isDone());
    if (pending.length > 0) {
      await nextTurn();
    }
  }
  for (const request of requests) {
    dispose(request);
  }
}

function start(Client: typeof NativeClientRequest, path = '/'): Native {
  const request = Client.create(options(`${base}${path}`));
  request.end(undefined);
  return request;
}

async function time(runs: number, body: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    await body();
  }
  return (performance.now() - started) / runs;
}

async function timeOnce(body: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

/** CPU (ms) used while `waiting` is pending for a second. */
async function idleCpu(waiting: () => Promise<void>): Promise<number> {
  const done = waiting();
  await sleep(100);
  const before = process.cpuUsage();
  await sleep(1000);
  const used = process.cpuUsage(before);
  await done;
  return (used.user + used.system) / 1000;
}

/** Microseconds per `poll-events` call that finds nothing to do (one request waiting for its head). */
async function idlePollCost(Client: typeof NativeClientRequest): Promise<number> {
  const request = start(Client, '/slow');
  request.pollEvents(64, 0);
  await sleep(50);
  const started = performance.now();
  for (let i = 0; i < IDLE_POLLS; i++) {
    request.pollEvents(64, 0);
  }
  const perPoll = ((performance.now() - started) * 1000) / IDLE_POLLS;
  request.abort();
  dispose(request);
  return perPoll;
}

async function stockComponent(): Promise<Root> {
  // Loaded only here: importing the stock shim starts its I/O worker thread.
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const stock = Object.entries(new WASIShim().getImportObject()).map(([name, value]) => [`${name}@0.2.12`, value]);
  return loadComponent({
    ...Object.fromEntries(stock),
    'electron:net/types@0.1.0': {},
    'electron:net/session@0.1.0': sessionImports,
    'electron:net/credentials@0.1.0': credentialsImports,
  } as ImportObject);
}

// Warm up (JIT, keep-alive connections).
for (let i = 0; i < 50; i++) {
  await plainGet();
  await packageGet();
  await drivePolling([start(NativeClientRequest)]);
}

const concurrently = (get: () => Promise<void>) => Promise.all(Array.from({ length: CONCURRENT }, () => get())).then(() => {});

// Everything that does not need the stock shim first: its worker thread's CPU would count too.
const plainSequential = await time(SEQUENTIAL, () => plainGet());
const packageSequential = await time(SEQUENTIAL, () => packageGet());
const ownPolled = await time(SEQUENTIAL, () => drivePolling([start(NativeClientRequest)]));
const plainConcurrent = await timeOnce(() => concurrently(plainGet));
const packageConcurrent = await timeOnce(() => concurrently(packageGet));
const plainIdle = await idleCpu(() => plainGet('/slow'));
const packageIdle = await idleCpu(() => packageGet('/slow'));
const ownPoll = await idlePollCost(NativeClientRequest);

const StockClient = (await stockComponent()).client.ClientRequest;
for (let i = 0; i < 50; i++) {
  await drivePolling([start(StockClient)]);
}
const stockPolled = await time(SEQUENTIAL, () => drivePolling([start(StockClient)]));
const stockConcurrent = await timeOnce(() => drivePolling(Array.from({ length: CONCURRENT }, () => start(StockClient))));
const stockIdle = await idleCpu(() => drivePolling([start(StockClient, '/slow')]));
const stockPoll = await idlePollCost(StockClient);

const ratio = (value: number, reference: number) => `${(value / reference).toFixed(2)}x`;
const perRequest = (ms: number) => `${(ms * 1000).toFixed(0)} us/request`;
const core = (ms: number) => `${(ms / 10).toFixed(2)}% of a core`;
const rows: Array<[string, string, string]> = [
  [`${SEQUENTIAL} sequential GETs, plain node:http`, perRequest(plainSequential), '1.00x'],
  [`${SEQUENTIAL} sequential GETs, net.request (this package)`, perRequest(packageSequential), ratio(packageSequential, plainSequential)],
  ['  raw component polled every turn, this WASI', perRequest(ownPolled), ratio(ownPolled, plainSequential)],
  ['  raw component polled every turn, stock shim', perRequest(stockPolled), ratio(stockPolled, plainSequential)],
  [`${CONCURRENT} concurrent GETs, plain node:http`, `${plainConcurrent.toFixed(0)} ms total`, '1.00x'],
  [`${CONCURRENT} concurrent GETs, net.request`, `${packageConcurrent.toFixed(0)} ms total`, ratio(packageConcurrent, plainConcurrent)],
  ['  raw component polled every turn, stock shim', `${stockConcurrent.toFixed(0)} ms total`, ratio(stockConcurrent, plainConcurrent)],
  ['CPU while one request waits 1 s, plain node:http', `${plainIdle.toFixed(1)} ms`, core(plainIdle)],
  ['CPU while one request waits 1 s, net.request', `${packageIdle.toFixed(1)} ms`, core(packageIdle)],
  ['  raw component polled every turn, stock shim', `${stockIdle.toFixed(1)} ms`, core(stockIdle)],
  ['poll-events with nothing to do (2 WASI calls), this WASI', `${ownPoll.toFixed(1)} us`, '1.00x'],
  ['poll-events with nothing to do (2 WASI calls), stock shim', `${stockPoll.toFixed(1)} us`, ratio(stockPoll, ownPoll)],
];

const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value, comparison] of rows) {
  console.log(`${name.padEnd(width)}  ${value.padStart(18)}  ${comparison}`);
}

agent.destroy();
server.close();
server.closeAllConnections();
process.exit(0);
