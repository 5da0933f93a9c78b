// Load and isolation, the same shape as the Rust test (tests/tests/all/load.rs): two waves of
// 200 requests at once across four partitions, each with its own cookie, its own login in the
// auth cache and its own body, through the package's keep-alive pool. Nothing may cross, and
// requests after the waves reuse the pool's connections.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { net, setCredentialsProvider } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, serve } from './helpers.js';

const PARTITIONS = ['alpha', 'beta', 'gamma', 'delta'];
const WAVE = 200;

test('two waves of 200 concurrent requests in four partitions never cross and reuse connections', async (t) => {
  const socketOf = new Map<Socket, number>();
  const seen: { target: string; connection: number }[] = [];
  const server = await serve(t, async (req, res) => {
    const socket = req.socket;
    if (!socketOf.has(socket)) {
      socketOf.set(socket, socketOf.size);
    }
    seen.push({ target: req.url ?? '', connection: socketOf.get(socket)! });
    const partition = (req.url ?? '').split('/')[2] ?? '';
    const expected = `Basic ${Buffer.from(`${partition}:${partition}-secret`).toString('base64')}`;
    const body = (await readAll(req)).toString();
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="load"' }).end('who?');
      return;
    }
    if (req.url?.endsWith('/login')) {
      res.setHeader('set-cookie', `sid=${partition}; Path=/`);
    }
    res.end(`${req.url}|${req.headers.cookie ?? '-'}|${body}`);
  });
  t.after(() => setCredentialsProvider(null));

  const send = async (partition: string, path: string, body?: string): Promise<[number, string]> => {
    const request = net.request({
      url: `${server.url}${path}`,
      method: body === undefined ? 'GET' : 'POST',
      partition: `load-${partition}`,
      useSessionCookies: true,
    });
    request.end(body);
    const [response] = await event<[IncomingMessage]>(request, 'response');
    return [response.statusCode, (await readAll(response)).toString()];
  };

  // The provider sees the partition name; the server wants the partition's own user.
  setCredentialsProvider(({ partition }) => {
    const name = partition.replace(/^load-/, '');
    return { username: name, password: `${name}-secret` };
  });
  for (const partition of PARTITIONS) {
    assert.deepEqual((await send(partition, `/p/${partition}/login`))[0], 200);
  }

  for (const wave of [0, 1]) {
    await Promise.all(
      Array.from({ length: WAVE }, async (_, index) => {
        const partition = PARTITIONS[index % PARTITIONS.length]!;
        const path = `/p/${partition}/item/${wave}/${index}`;
        const body = `body of ${partition} ${wave} ${index}`;
        assert.deepEqual(await send(partition, path, body), [200, `${path}|sid=${partition}|${body}`]);
      }),
    );
  }

  // Then requests one at a time: after 400 concurrent ones, the keep-alive pool must serve them
  // on kept connections (at most one new one, in case none stayed idle). Whether the second wave
  // already picked up the first wave's idle connections depends on timing, so that is not
  // asserted.
  const beforeSequential = seen.length;
  for (let index = 0; index < 12; index += 1) {
    const partition = PARTITIONS[index % PARTITIONS.length]!;
    const path = `/p/${partition}/item/after/${index}`;
    assert.deepEqual(await send(partition, path, 'after'), [200, `${path}|sid=${partition}|after`]);
  }

  // Preemptive Basic from each partition's auth cache: one request per item, no 401 round trip.
  const items = seen.filter(({ target }) => target.includes('/item/'));
  assert.equal(items.length, 2 * WAVE + 12);
  const known = new Set(seen.slice(0, beforeSequential).map(({ connection }) => connection));
  const opened = new Set(seen.slice(beforeSequential).map(({ connection }) => connection).filter((c) => !known.has(c)));
  assert.ok(opened.size <= 1, `12 sequential requests opened ${opened.size} new connections`);
});
