// `npm run bench`: this package against plain node:http (keep-alive agent), one process, one
// loopback server in it. Both sides are warmed up first, then measured in alternating blocks
// (plain, package, package, plain, ...) so that JIT state, GC pressure and the machine's other
// load hit both alike; each case reports the median over its blocks of CPU time and wall time per
// request. The server's own work is in both sides' numbers.
//
// Sizes and counts can be lowered for a quick look: BENCH_WARMUP, BENCH_BLOCKS, BENCH_SEQ,
// BENCH_CONC, BENCH_CONC_BLOCKS, BENCH_TRANSFER_MB, BENCH_TRANSFER_BLOCKS, BENCH_HEAP_REQUESTS.
// Run with --expose-gc (npm run bench does) for the heap figure.
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { net } from '../src/index.js';
import type { ClientRequest, IncomingMessage } from '../src/index.js';

const setting = (name: string, fallback: number) => Number(process.env[`BENCH_${name}`] ?? fallback);
const WARMUP = setting('WARMUP', 3000);
const BLOCKS = setting('BLOCKS', 10);
const SEQ = setting('SEQ', 500);
const CONC = setting('CONC', 200);
const CONC_BLOCKS = setting('CONC_BLOCKS', 20);
const TRANSFER_MB = setting('TRANSFER_MB', 256);
const TRANSFER_BLOCKS = setting('TRANSFER_BLOCKS', 3);
const HEAP_REQUESTS = setting('HEAP_REQUESTS', 100_000);
/** Requests in flight at a time while measuring heap growth (sequential would take minutes). */
const HEAP_BATCH = 50;
const CHUNK = 64 * 1024;

const payload = Buffer.alloc(CHUNK, 'x');
const server = http.createServer((req, res) => {
  if (req.url === '/slow') {
    setTimeout(() => res.end('late'), 1500);
  } else if (req.url?.startsWith('/download/')) {
    sendBytes(res, Number(req.url.slice('/download/'.length)));
  } else if (req.url === '/upload') {
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => res.end(String(received)));
  } else {
    res.end('hello');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const agent = new http.Agent({ keepAlive: true });

/** Writes `total` bytes as fast as the client reads them. */
function sendBytes(res: http.ServerResponse, total: number): void {
  res.setHeader('content-length', total);
  let left = total;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= CHUNK ? payload : payload.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Writes `total` bytes to a request stream, waiting for `drain` when told to. */
async function writeBytes(request: NodeJS.WritableStream, total: number): Promise<void> {
  for (let left = total; left > 0; left -= CHUNK) {
    if (!request.write(left >= CHUNK ? payload : payload.subarray(0, left))) {
      await once(request, 'drain');
    }
  }
  request.end();
}

interface Client {
  name: string;
  /** Sends a request and reads its response to the end. */
  send(path: string, method?: string, upload?: number): Promise<void>;
}

const plain: Client = {
  name: 'plain node:http',
  send: (path, method = 'GET', upload) =>
    new Promise((resolve, reject) => {
      const request = http.request(`${base}${path}`, { agent, method }, (response) => {
        response.on('data', () => {});
        response.on('end', resolve);
      });
      request.on('error', reject);
      if (upload === undefined) {
        request.end();
      } else {
        writeBytes(request, upload).catch(reject);
      }
    }),
};

const wasm: Client = {
  name: 'electron-net-wasm',
  send: (path, method = 'GET', upload) =>
    new Promise((resolve, reject) => {
      const request: ClientRequest = net.request({ url: `${base}${path}`, method });
      request.on('response', (response: IncomingMessage) => {
        response.on('data', () => {});
        response.on('end', resolve);
      });
      request.on('error', reject);
      if (upload === undefined) {
        request.end();
      } else {
        request.chunkedEncoding = true;
        writeBytes(request, upload).catch(reject);
      }
    }),
};

interface Sample {
  cpu: number;
  wall: number;
}

/** CPU and wall time (ms) per unit of `units` for one run of `body`. */
async function measure(units: number, body: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await body();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / units, wall: (performance.now() - wall) / units };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Result {
  plain: Sample;
  wasm: Sample;
}

/** `blocks` blocks per side, alternating which side goes first; medians per side. */
async function compare(blocks: number, units: number, run: (client: Client) => Promise<void>): Promise<Result> {
  const samples = new Map<Client, Sample[]>([
    [plain, []],
    [wasm, []],
  ]);
  for (let block = 0; block < blocks; block++) {
    for (const client of block % 2 === 0 ? [plain, wasm] : [wasm, plain]) {
      samples.get(client)!.push(await measure(units, () => run(client)));
    }
  }
  const summarize = (side: Sample[]) => ({ cpu: median(side.map((s) => s.cpu)), wall: median(side.map((s) => s.wall)) });
  return { plain: summarize(samples.get(plain)!), wasm: summarize(samples.get(wasm)!) };
}

async function sequential(client: Client, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await client.send('/');
  }
}

async function concurrent(client: Client, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => client.send('/')));
}

/** CPU (ms) the process uses while one request waits a second for its response. */
async function idleCpu(client: Client): Promise<number> {
  const done = client.send('/slow');
  await sleep(200);
  const before = process.cpuUsage();
  await sleep(1000);
  const used = process.cpuUsage(before);
  await done;
  return (used.user + used.system) / 1000;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap (MiB) after a full GC; finalizers of collected resources run between the two. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(10);
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const log = (line: string) => console.error(`# ${line}`);
const transferBytes = TRANSFER_MB * 2 ** 20;

log(`warming up: ${WARMUP} sequential GETs per side`);
await sequential(plain, WARMUP);
await sequential(wasm, WARMUP);
await concurrent(plain, CONC);
await concurrent(wasm, CONC);

log(`sequential: ${BLOCKS} blocks of ${SEQ} GETs per side`);
const seq = await compare(BLOCKS, SEQ, (client) => sequential(client, SEQ));
log(`concurrent: ${CONC_BLOCKS} blocks of ${CONC} GETs at once per side`);
const conc = await compare(CONC_BLOCKS, CONC, (client) => concurrent(client, CONC));
log(`download: ${TRANSFER_BLOCKS} × ${TRANSFER_MB} MiB per side`);
const down = await compare(TRANSFER_BLOCKS, 1, (client) => client.send(`/download/${transferBytes}`));
log(`upload (chunked): ${TRANSFER_BLOCKS} × ${TRANSFER_MB} MiB per side`);
const up = await compare(TRANSFER_BLOCKS, 1, (client) => client.send('/upload', 'POST', transferBytes));
log('idle: CPU while one request waits 1 s');
const plainIdle = await idleCpu(plain);
const wasmIdle = await idleCpu(wasm);

log(`heap: ${HEAP_REQUESTS} GETs, ${HEAP_BATCH} at a time${gc ? '' : ' (no --expose-gc: the figure includes garbage)'}`);
const heapBefore = await settledHeap();
for (let sent = 0; sent < HEAP_REQUESTS; sent += HEAP_BATCH) {
  await concurrent(wasm, Math.min(HEAP_BATCH, HEAP_REQUESTS - sent));
}
const heapGrowth = (await settledHeap()) - heapBefore;

const us = (ms: number) => `${(ms * 1000).toFixed(0)} us`;
const rows: string[][] = [['case', 'plain wall', 'plain CPU', 'package wall', 'package CPU', 'wall ratio', 'CPU ratio']];
const row = (name: string, { plain: p, wasm: w }: Result, unit: (ms: number) => string) =>
  rows.push([name, unit(p.wall), unit(p.cpu), unit(w.wall), unit(w.cpu), (w.wall / p.wall).toFixed(2), (w.cpu / p.cpu).toFixed(2)]);
row('sequential GET, per request', seq, us);
row(`${CONC} concurrent GETs, per request`, conc, us);
row(`${TRANSFER_MB} MiB download`, down, (ms) => `${ms.toFixed(0)} ms`);
row(`${TRANSFER_MB} MiB chunked upload`, up, (ms) => `${ms.toFixed(0)} ms`);
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
for (const cells of rows) {
  console.log(cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}
console.log(`CPU while one request waits 1 s: plain ${plainIdle.toFixed(1)} ms, package ${wasmIdle.toFixed(1)} ms`);
console.log(`heap growth over ${HEAP_REQUESTS} requests after warm-up: ${heapGrowth.toFixed(1)} MiB`);

// Ratios of wall time: the process does nothing but this work, so wall and CPU agree within the
// noise except where one side waits on the socket (both columns are printed above).
const ratio = ({ plain: p, wasm: w }: Result) => (w.wall / p.wall).toFixed(2);
console.log(
  `summary: seq=${ratio(seq)} conc200=${ratio(conc)} down=${ratio(down)} up=${ratio(up)} heap_growth_mb=${heapGrowth.toFixed(1)} idle_cpu_pct=${(wasmIdle / 10).toFixed(2)}`,
);

agent.destroy();
server.close();
server.closeAllConnections();
process.exit(0);
