// What the package answers itself instead of asking the session component (README: "Crossings").
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { net, session } from '../src/index.js';
import type { AuthInfo, IncomingMessage, LoginCallback } from '../src/index.js';
import { sessionProvider } from '../src/session-backend.js';
import { event, readAll, serve } from './helpers.js';

/** Counts calls into the session component's `session` export for the rest of the test. */
function countSessionCalls(t: TestContext): string[] {
  const calls: string[] = [];
  const provider = sessionProvider as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, original] of Object.entries(provider)) {
    provider[name] = (...args: unknown[]) => {
      calls.push(name);
      return original(...args);
    };
    t.after(() => (provider[name] = original));
  }
  return calls;
}

async function get(options: Parameters<typeof net.request>[0], onLogin?: (callback: LoginCallback) => void) {
  const request = net.request(options);
  if (onLogin) {
    request.on('login', (_info: AuthInfo, callback: LoginCallback) => onLogin(callback));
  }
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  return { response, body: (await readAll(response)).toString() };
}

test('a request in a partition without credentials or cookies never calls the session component', async (t) => {
  const server = await serve(t, (req, res) => res.end(`${req.headers.authorization}`));
  const calls = countSessionCalls(t);
  const { body } = await get({ url: `${server.url}/`, partition: 'calls-empty', useSessionCookies: true });
  assert.equal(body, 'undefined');
  assert.deepEqual(calls, []);
});

test('once credentials were accepted, the partition asks the session component and sends them first', async (t) => {
  const authorization = `Basic ${Buffer.from('user:pass').toString('base64')}`;
  const server = await serve(t, (req, res) => {
    if (req.headers.authorization === authorization) {
      res.end('welcome');
    } else {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="calls"' }).end('denied');
    }
  });
  const calls = countSessionCalls(t);
  const first = await get({ url: `${server.url}/docs/a`, partition: 'calls-auth' }, (callback) => callback('user', 'pass'));
  assert.equal(first.body, 'welcome');
  assert.ok(calls.includes('storeAuth'));

  calls.length = 0;
  const again = await get({ url: `${server.url}/docs/b`, partition: 'calls-auth' }, () => assert.fail('no login expected'));
  assert.equal(again.body, 'welcome');
  // The component records the accepted answer again afterwards.
  assert.deepEqual(calls, ['preemptiveAuth', 'storeAuth']);
});

test('cookies set through session.cookies make the partition ask the jar', async (t) => {
  const server = await serve(t, (req, res) => res.end(req.headers.cookie ?? ''));
  const calls = countSessionCalls(t);
  await session.fromPartition('calls-cookies').cookies.set({ url: server.url, name: 'a', value: '1' });
  const { body } = await get({ url: `${server.url}/`, partition: 'calls-cookies', useSessionCookies: true });
  assert.equal(body, 'a=1');
  assert.deepEqual(calls, ['cookieHeader']);
});
