// Garbage collection never cancels a request (behaviour contract §12): a request whose object
// the program dropped after `end()` still runs to completion and delivers every event; only
// afterwards may it be collected. Forced collections come from V8's `gc()`, exposed here at run
// time (the same as starting Node with --expose-gc).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { readAll, serve } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Tells when a registered object was collected (the registry itself must stay reachable). */
const registry = new FinalizationRegistry<() => void>((collected) => collected());

/** Starts a request and keeps nothing of it but what its listeners report. */
function fireAndForget(
  url: string,
  chunked: boolean,
  body: string,
): { events: string[]; done: Promise<string>; collected: Promise<void> } {
  const events: string[] = [];
  let onCollected!: () => void;
  const collected = new Promise<void>((resolve) => (onCollected = resolve));
  const done = new Promise<string>((resolve, reject) => {
    const request = net.request({ url, method: 'POST' });
    registry.register(request, onCollected);
    request.chunkedEncoding = chunked;
    for (const name of ['finish', 'close', 'abort']) {
      request.on(name, () => events.push(name));
    }
    request.on('error', (error: Error) => reject(error));
    request.on('response', (response: IncomingMessage) => {
      events.push('response');
      response.on('end', () => events.push('end'));
      readAll(response).then((body) => resolve(body.toString()), reject);
    });
    request.write(body);
    request.end(' last');
  });
  return { events, done, collected };
}

for (const chunked of [true, false]) {
  test(`an unreferenced ${chunked ? 'chunked' : 'buffered'} request completes under forced collections`, async (t) => {
    // The server lets the upload back up first, then answers late: long enough for many
    // collections while the request waits on the network both ways.
    const server = await serve(t, async (req, res) => {
      await sleep(200);
      const body = await readAll(req);
      setTimeout(() => res.end(`got ${body.length} bytes ending in${body.subarray(-5).toString()}`), 200);
    });
    const body = 'x'.repeat(4 << 20);
    const { events, done, collected } = fireAndForget(`${server.url}/`, chunked, body);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => {});
    while (!finished) {
      gc();
      await sleep(10);
    }
    assert.equal(await done, `got ${body.length + 5} bytes ending in last`);
    await sleep(20);
    assert.deepEqual(events, ['finish', 'close', 'response', 'end']);

    // Afterwards nothing holds it: it can be collected.
    const outcome = await Promise.race([
      collected.then(() => 'collected'),
      (async () => {
        for (let i = 0; i < 100; i += 1) {
          gc();
          await sleep(10);
        }
        return 'still alive';
      })(),
    ]);
    assert.equal(outcome, 'collected');
  });
}
