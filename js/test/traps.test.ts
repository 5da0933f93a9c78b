// Trap containment (issue 13 item 5): a trap fails the requests of its component instance with
// an `error` event, and later requests run on a fresh instance; a call into a request from a
// credentials provider (which runs inside a component call) is refused with a clear error
// instead of trapping the instance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { net, setCredentialsProvider } from '../src/index.js';
import type { ClientRequest, IncomingMessage } from '../src/index.js';
import { kNative } from '../src/client-request.js';
import { componentInstance } from '../src/component.js';
import { readAll, serve } from './helpers.js';

/** `/auth` wants Basic credentials; `/slow` answers after 300 ms; anything else at once. */
async function server(t: Parameters<typeof serve>[0]) {
  return serve(t, (req, res) => {
    if (req.url === '/auth' && req.headers.authorization === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('slow'), 300);
    } else {
      res.end(`ok ${req.url}`);
    }
  });
}

type Outcome = { status: number; body: string } | { error: Error; events: string[] };

function outcome(request: ClientRequest): Promise<Outcome> {
  const events: string[] = [];
  for (const name of ['finish', 'close', 'abort']) {
    request.on(name, () => events.push(name));
  }
  return new Promise((resolve) => {
    request.on('response', (response: IncomingMessage) => {
      readAll(response).then((body) => resolve({ status: response.statusCode, body: body.toString() }));
    });
    request.on('error', (error: Error) => setImmediate(() => resolve({ error, events: [...events, 'error'] })));
  });
}

test('a credentials provider calling into a request gets a clear error, and nothing traps', async (t) => {
  const { url } = await server(t);
  let outer: ClientRequest | undefined;
  let refused: unknown;
  setCredentialsProvider(() => {
    try {
      outer?.abort();
    } catch (error) {
      refused = error;
    }
    return { username: 'u', password: 'p' };
  });
  t.after(() => setCredentialsProvider(null));
  outer = net.request(`${url}/auth`);
  const result = outcome(outer);
  outer.end();
  assert.deepEqual(await result, { status: 200, body: 'ok /auth' });
  assert.match(String((refused as Error).message), /a credentials provider cannot call into a request/);
  const next = net.request(`${url}/after`);
  const after = outcome(next);
  next.end();
  assert.deepEqual(await after, { status: 200, body: 'ok /after' });
});

test('a trap fails every request of its instance, and the next request runs on a fresh one', async (t) => {
  const { url } = await server(t);
  const trapped = componentInstance();
  // A real trap: a raw call into the request the component is working on, from inside that work
  // (the package's own calls refuse this, so the test goes around them). The guest panics.
  let victim: ClientRequest | undefined;
  setCredentialsProvider(() => {
    try {
      victim?.[kNative].getHeader('x');
    } catch {
      // The trap, seen from inside: what matters is what the package makes of it.
    }
    return undefined;
  });
  t.after(() => setCredentialsProvider(null));

  const bystander = net.request(`${url}/slow`);
  const bystanderOutcome = outcome(bystander);
  bystander.end();
  victim = net.request(`${url}/auth`);
  const victimOutcome = outcome(victim);
  victim.end();

  for (const result of [await victimOutcome, await bystanderOutcome]) {
    assert.ok('error' in result, JSON.stringify(result));
    assert.equal(result.error.message, 'net::ERR_FAILED');
    assert.ok(result.error.cause instanceof WebAssembly.RuntimeError, String(result.error.cause));
    assert.equal(result.events.at(-1), 'error');
  }
  assert.notEqual(trapped.trapped, undefined);

  setCredentialsProvider(null);
  assert.notEqual(componentInstance(), trapped);
  const next = net.request(`${url}/after`);
  const after = outcome(next);
  next.end();
  assert.deepEqual(await after, { status: 200, body: 'ok /after' });

  // The dead instance's resources are finalised when collected; that must not throw anywhere.
  victim = undefined;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 5; i += 1) {
    gc();
    await sleep(20);
  }
});
