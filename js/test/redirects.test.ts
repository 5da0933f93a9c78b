// Contract §6: redirects in every mode.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage as ServerRequest, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, record, serve, settle } from './helpers.js';

/** `/redirect/<status>` redirects to `/target`; `/target` answers with method, length and body hash. */
function redirectServer(t: Parameters<typeof serve>[0], hits: string[] = []) {
  return serve(t, async (req: ServerRequest, res: ServerResponse) => {
    const body = await readAll(req);
    hits.push(`${req.method} ${req.url}`);
    const redirect = /^\/redirect\/(\d+)$/.exec(req.url ?? '');
    if (redirect) {
      res.writeHead(Number(redirect[1]), { location: '/target', 'x-hop': 'one' }).end();
      return;
    }
    const chain = /^\/chain\/(\d+)$/.exec(req.url ?? '');
    if (chain) {
      res.writeHead(302, { location: `/chain/${Number(chain[1]) + 1}` }).end();
      return;
    }
    res.end(JSON.stringify({ method: req.method, length: body.length, sha: createHash('sha256').update(body).digest('hex') }));
  });
}

async function json(response: IncomingMessage): Promise<{ method: string; length: number }> {
  return JSON.parse((await readAll(response)).toString());
}

test('follow: the redirect event carries status, method, absolute URL and headers; then the target answers', async (t) => {
  const server = await redirectServer(t);
  const request = net.request(`${server.url}/redirect/301`);
  const redirects: unknown[][] = [];
  request.on('redirect', (...args: unknown[]) => redirects.push(args));
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
  assert.equal(redirects.length, 1);
  const [status, method, url, headers] = redirects[0] as [number, string, string, Record<string, string[]>];
  assert.equal(status, 301);
  assert.equal(method, 'GET');
  assert.equal(url, `${server.url}/target`);
  assert.deepEqual(headers['location'], ['/target']);
  assert.deepEqual(headers['x-hop'], ['one']);
});

test('follow: redirects are followed without a listener', async (t) => {
  const server = await redirectServer(t);
  const request = net.request(`${server.url}/redirect/302`);
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal((await json(response)).method, 'GET');
});

test('follow: abort() inside the redirect listener stops it', async (t) => {
  const hits: string[] = [];
  const server = await redirectServer(t, hits);
  const request = net.request(`${server.url}/redirect/302`);
  const events = record(request);
  request.on('redirect', () => request.abort());
  request.end();
  await event(request, 'abort');
  await settle();
  assert.deepEqual(events.request, ['finish', 'close', 'redirect', 'abort']);
  assert.deepEqual(hits, ['GET /redirect/302']);
});

test('follow: followRedirect() inside the listener is allowed and does nothing', async (t) => {
  const server = await redirectServer(t);
  const request = net.request(`${server.url}/redirect/302`);
  request.on('redirect', () => request.followRedirect());
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
});

test("error: no redirect event, and the policy error", async (t) => {
  const server = await redirectServer(t);
  const request = net.request({ url: `${server.url}/redirect/307`, redirect: 'error' });
  const events = record(request);
  request.end();
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(error.message, "Attempted to redirect, but redirect policy was 'error'");
  assert.ok(!events.request.includes('redirect'));
});

test('manual: followRedirect() inside the listener follows', async (t) => {
  const server = await redirectServer(t);
  const request = net.request({ url: `${server.url}/redirect/308`, redirect: 'manual' });
  request.on('redirect', () => request.followRedirect());
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
});

test("manual: without followRedirect() the request fails with 'Redirect was cancelled'", async (t) => {
  const hits: string[] = [];
  const server = await redirectServer(t, hits);
  const request = net.request({ url: `${server.url}/redirect/302`, redirect: 'manual' });
  request.on('redirect', () => {});
  request.end();
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(error.message, 'Redirect was cancelled');
  assert.deepEqual(hits, ['GET /redirect/302']);
});

test('followRedirect() at any other time throws', async (t) => {
  const server = await redirectServer(t);
  const message = 'followRedirect() called, but was not waiting for a redirect';
  const request = net.request({ url: `${server.url}/redirect/302`, redirect: 'manual' });
  assert.throws(() => request.followRedirect(), { message });
  const later = new Promise<void>((resolve) => {
    request.on('redirect', () =>
      setTimeout(() => {
        assert.throws(() => request.followRedirect(), { message });
        resolve();
      }, 10),
    );
  });
  request.on('error', () => {});
  request.end();
  await later;
});

test('followRedirect() may be called more than once inside the listener', async (t) => {
  const server = await redirectServer(t);
  const request = net.request({ url: `${server.url}/redirect/302`, redirect: 'manual' });
  request.on('redirect', () => {
    request.followRedirect();
    request.followRedirect();
  });
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
});

for (const [status, method, keepsBody] of [
  [301, 'GET', false],
  [302, 'GET', false],
  [303, 'GET', false],
  [307, 'POST', true],
  [308, 'POST', true],
] as const) {
  test(`${status} turns POST into ${method}${keepsBody ? ' and resends the body' : ' and drops the body'}`, async (t) => {
    const server = await redirectServer(t);
    const request = net.request({ url: `${server.url}/redirect/${status}`, method: 'POST' });
    request.end('payload');
    const [response] = await event<[IncomingMessage]>(request, 'response');
    assert.deepEqual(await json(response).then(({ method, length }) => ({ method, length })), {
      method,
      length: keepsBody ? 7 : 0,
    });
  });
}

test('a redirect to file: fails with net::ERR_UNSAFE_REDIRECT', async (t) => {
  const server = await serve(t, (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
  const request = net.request(`${server.url}/`);
  request.end();
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(error.message, 'net::ERR_UNSAFE_REDIRECT');
});

test('the 21st redirect fails with net::ERR_TOO_MANY_REDIRECTS', async (t) => {
  const hits: string[] = [];
  const server = await redirectServer(t, hits);
  const request = net.request(`${server.url}/chain/0`);
  let redirects = 0;
  request.on('redirect', () => redirects++);
  request.end();
  const [error] = await event<[Error]>(request, 'error');
  assert.equal(error.message, 'net::ERR_TOO_MANY_REDIRECTS');
  assert.equal(redirects, 20);
  assert.equal(hits.length, 21);
});
