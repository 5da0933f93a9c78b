// Many requests at once against a server in the same thread; an idle request costs no CPU.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, serve } from './helpers.js';

test('50 concurrent requests each get their own response', async (t) => {
  const server = await serve(t, async (req, res) => {
    const body = await readAll(req);
    setTimeout(() => res.end(`${req.url} ${body.length}`), Math.random() * 20);
  });
  const results = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const request = net.request({ url: `${server.url}/${i}`, method: 'POST' });
      request.end(Buffer.alloc(i * 1000));
      const [response] = await event<[IncomingMessage]>(request, 'response');
      return (await readAll(response)).toString();
    }),
  );
  assert.deepEqual(
    results,
    Array.from({ length: 50 }, (_, i) => `/${i} ${i * 1000}`),
  );
});

test('a request waiting for its response uses next to no CPU', async (t) => {
  const server = await serve(t, (_req, res) => setTimeout(() => res.end('late'), 1000));
  const request = net.request(`${server.url}/`);
  request.end();
  await sleep(100);
  const before = process.cpuUsage();
  await sleep(700);
  const used = process.cpuUsage(before);
  const milliseconds = (used.user + used.system) / 1000;
  t.diagnostic(`CPU while waiting 700 ms: ${milliseconds.toFixed(1)} ms`);
  assert.ok(milliseconds < 50, `${milliseconds} ms of CPU`);
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal((await readAll(response)).toString(), 'late');
});
