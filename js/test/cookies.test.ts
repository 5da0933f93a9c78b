// Contract §9 (cookies) and session partitions, through the session-provider component (the Rust
// host's jar and auth cache).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { net, session } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { event, readAll, serve } from './helpers.js';

async function fetchText(options: Parameters<typeof net.request>[0]): Promise<string> {
  const request = net.request(options);
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  return (await readAll(response)).toString();
}

/** Sets `sid=<partition>` on `/login` and echoes the Cookie header everywhere. */
function cookieServer(t: Parameters<typeof serve>[0]) {
  return serve(t, (req, res) => {
    if (req.url === '/login') {
      res.setHeader('set-cookie', ['sid=42; Path=/; HttpOnly', 'theme=dark']);
    }
    res.end(req.headers.cookie ?? '');
  });
}

test('Set-Cookie is stored in the request partition only, in Electron cookie shape', async (t) => {
  const server = await cookieServer(t);
  await fetchText({ url: `${server.url}/login`, partition: 'cookie-a', useSessionCookies: true });
  const stored = await session.fromPartition('cookie-a').cookies.get({ name: 'sid' });
  assert.deepEqual(stored, [
    {
      name: 'sid',
      value: '42',
      domain: '127.0.0.1',
      hostOnly: true,
      path: '/',
      secure: false,
      httpOnly: true,
      session: true,
      sameSite: 'unspecified',
    },
  ]);
  assert.deepEqual(await session.fromPartition('cookie-b').cookies.get({}), []);
  assert.deepEqual(await session.defaultSession.cookies.get({ name: 'sid' }), []);
});

test('stored cookies are sent on later requests of the same partition only', async (t) => {
  const server = await cookieServer(t);
  await fetchText({ url: `${server.url}/login`, partition: 'cookie-send', useSessionCookies: true });
  assert.equal(await fetchText({ url: `${server.url}/`, partition: 'cookie-send', useSessionCookies: true }), 'sid=42; theme=dark');
  assert.equal(await fetchText({ url: `${server.url}/`, partition: 'cookie-send-other', useSessionCookies: true }), '');
  // Without useSessionCookies (or with credentials: 'omit') the jar is off.
  assert.equal(await fetchText({ url: `${server.url}/`, partition: 'cookie-send' }), '');
  assert.equal(
    await fetchText({ url: `${server.url}/`, partition: 'cookie-send', useSessionCookies: true, credentials: 'omit' }),
    '',
  );
  // credentials: 'include' turns it on whatever useSessionCookies says.
  assert.equal(await fetchText({ url: `${server.url}/`, partition: 'cookie-send', credentials: 'include' }), 'sid=42; theme=dark');
});

test('with the jar off nothing is stored', async (t) => {
  const server = await cookieServer(t);
  await fetchText({ url: `${server.url}/login`, partition: 'cookie-off' });
  await fetchText({ url: `${server.url}/login`, partition: 'cookie-off', useSessionCookies: true, credentials: 'omit' });
  assert.deepEqual(await session.fromPartition('cookie-off').cookies.get({}), []);
});

test('a user-set Cookie header is sent unchanged when the jar is off', async (t) => {
  const server = await cookieServer(t);
  assert.equal(await fetchText({ url: `${server.url}/`, headers: { Cookie: 'mine=1' } }), 'mine=1');
});

test('cookies.set, get and remove; a set cookie is sent', async (t) => {
  const server = await cookieServer(t);
  const cookies = session.fromPartition('cookie-api').cookies;
  await cookies.set({ url: `${server.url}/`, name: 'k', value: 'v', expirationDate: 4102444800 });
  const [{ expirationDate, ...stored } = assert.fail('not stored'), ...others] = await cookies.get({ url: `${server.url}/` });
  assert.deepEqual(others, []);
  assert.deepEqual(stored, {
    name: 'k',
    value: 'v',
    domain: '127.0.0.1',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: false,
    session: false,
    sameSite: 'lax',
  });
  // RFC 6265bis caps a cookie's lifetime at 400 days.
  assert.ok(expirationDate! <= Date.now() / 1000 + 400 * 24 * 3600 + 1, `expires ${expirationDate}`);
  assert.equal(await fetchText({ url: `${server.url}/`, partition: 'cookie-api', useSessionCookies: true }), 'k=v');
  await cookies.remove(`${server.url}/`, 'k');
  assert.deepEqual(await cookies.get({}), []);
});

test('the jar applies path and expiry rules, and refuses what it must', async () => {
  const cookies = session.fromPartition('cookie-rules').cookies;
  await cookies.set({ url: 'http://example.com/a/', name: 'p', value: '1', path: '/a' });
  assert.deepEqual(await cookies.get({ url: 'http://example.com/b/' }), []);
  assert.equal((await cookies.get({ url: 'http://example.com/a/x' })).length, 1);
  await cookies.set({ url: 'http://example.com/', name: 'old', value: '1', expirationDate: 1 });
  assert.deepEqual(await cookies.get({ name: 'old' }), []);
  await assert.rejects(cookies.set({ url: 'http://example.com/', value: 'nameless' }), Error);
});

test('fromPartition returns one Session per name; defaultSession is partition ""', () => {
  assert.equal(session.fromPartition('same'), session.fromPartition('same'));
  assert.equal(session.fromPartition(''), session.defaultSession);
  assert.notEqual(session.fromPartition('same'), session.defaultSession);
});

test('Secure cookies are set and sent on loopback http, which Chromium trusts', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/set') {
      res.setHeader('set-cookie', 's=1; Secure; Path=/');
    }
    res.end(req.headers.cookie ?? '');
  });
  await fetchText({ url: `${server.url}/set`, partition: 'secure-loopback', useSessionCookies: true });
  assert.equal(await fetchText({ url: `${server.url}/check`, partition: 'secure-loopback', useSessionCookies: true }), 's=1');
  await session.fromPartition('secure-loopback').cookies.set({ url: 'http://localhost/', name: 't', value: '2', secure: true });
  const [stored] = await session.fromPartition('secure-loopback').cookies.get({ name: 't' });
  assert.equal(stored?.secure, true);
});

test('without the origin option, an Origin header is the initiator for SameSite and Sec-Fetch-Site', async (t) => {
  const seen: { cookie?: string; site?: string }[] = [];
  const server = await serve(t, (req, res) => {
    seen.push({ cookie: req.headers.cookie, site: req.headers['sec-fetch-site'] as string | undefined });
    if (req.url === '/set') {
      res.setHeader('set-cookie', 'strict=1; SameSite=Strict');
    }
    res.end();
  });
  const send = (path: string, origin: string) =>
    fetchText({ url: `${server.url}${path}`, partition: 'origin-header', useSessionCookies: true, headers: { Origin: origin } });
  await send('/set', server.url);
  await send('/same', server.url);
  await send('/cross', 'http://elsewhere.example');
  assert.deepEqual(seen.slice(1), [
    { cookie: 'strict=1', site: 'same-origin' },
    { cookie: undefined, site: 'cross-site' },
  ]);
});
