// Contract §7: HTTP authentication, with answers given later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { net, session, setCredentialsProvider } from '../src/index.js';
import type { AuthInfo, CredentialsRequest, IncomingMessage, LoginCallback } from '../src/index.js';
import { event, readAll, serve } from './helpers.js';

interface Seen {
  authorization: string | undefined;
  body: string;
}

/** Accepts user:pass (Basic, realm "test"); records what each request carried. */
function protectedServer(t: Parameters<typeof serve>[0], seen: Seen[] = []) {
  return serve(t, async (req, res) => {
    const body = (await readAll(req)).toString();
    seen.push({ authorization: req.headers.authorization, body });
    if (req.headers.authorization === `Basic ${Buffer.from('user:pass').toString('base64')}`) {
      res.end(`welcome ${body}`);
    } else {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('denied');
    }
  });
}

async function text(response: IncomingMessage): Promise<string> {
  return (await readAll(response)).toString();
}

test('login gives authInfo; credentials answered later retry and get the 200', async (t) => {
  const seen: Seen[] = [];
  const server = await protectedServer(t, seen);
  const request = net.request({ url: `${server.url}/`, partition: 'login-async' });
  const logins: AuthInfo[] = [];
  request.on('login', (authInfo: AuthInfo, callback: LoginCallback) => {
    logins.push(authInfo);
    setTimeout(() => callback('user', 'pass'), 30);
  });
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
  assert.equal(await text(response), 'welcome ');
  assert.deepEqual(logins, [{ isProxy: false, scheme: 'basic', host: '127.0.0.1', port: server.port, realm: 'test' }]);
  assert.equal(seen.length, 2);
});

test('callback() answered later delivers the 401 and its body as the response', async (t) => {
  const server = await protectedServer(t);
  const request = net.request(`${server.url}/`);
  request.on('login', (_info: AuthInfo, callback: LoginCallback) => setTimeout(() => callback(), 30));
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 401);
  assert.equal(await text(response), 'denied');
});

test('without a login listener the 401 is delivered', async (t) => {
  const server = await protectedServer(t);
  const request = net.request(`${server.url}/`);
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers['www-authenticate'], 'Basic realm="test"');
});

test('wrong credentials bring another login event', async (t) => {
  const server = await protectedServer(t);
  const request = net.request({ url: `${server.url}/`, partition: 'login-wrong' });
  let attempts = 0;
  request.on('login', (_info: AuthInfo, callback: LoginCallback) => {
    attempts++;
    setImmediate(() => (attempts === 1 ? callback('user', 'wrong') : callback('user', 'pass')));
  });
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
  assert.equal(attempts, 2);
});

test("credentials: 'omit' gets no login event and the 401 as is", async (t) => {
  const server = await protectedServer(t);
  const request = net.request({ url: `${server.url}/`, credentials: 'omit' });
  let logins = 0;
  request.on('login', () => logins++);
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers['www-authenticate'], 'Basic realm="test"');
  assert.equal(logins, 0);
});

test('a buffered body is sent again with the credentials', async (t) => {
  const seen: Seen[] = [];
  const server = await protectedServer(t, seen);
  const request = net.request({ url: `${server.url}/`, method: 'POST', partition: 'login-body' });
  request.on('login', (_info: AuthInfo, callback: LoginCallback) => callback('user', 'pass'));
  request.end('the body');
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(await text(response), 'welcome the body');
  assert.deepEqual(
    seen.map((s) => s.body),
    ['the body', 'the body'],
  );
});

test('accepted credentials are reused within the session, not across sessions', async (t) => {
  const server = await protectedServer(t);
  const first = net.request({ url: `${server.url}/`, session: session.fromPartition('login-cache') });
  first.on('login', (_info: AuthInfo, callback: LoginCallback) => callback('user', 'pass'));
  first.end();
  await readAll((await event<[IncomingMessage]>(first, 'response'))[0]);

  const again = net.request({ url: `${server.url}/`, partition: 'login-cache' });
  let loginsAgain = 0;
  again.on('login', () => loginsAgain++);
  again.end();
  assert.equal((await event<[IncomingMessage]>(again, 'response'))[0].statusCode, 200);
  assert.equal(loginsAgain, 0);

  const elsewhere = net.request({ url: `${server.url}/`, partition: 'login-cache-other' });
  let loginsElsewhere = 0;
  elsewhere.on('login', (_info: AuthInfo, callback: LoginCallback) => {
    loginsElsewhere++;
    callback();
  });
  elsewhere.end();
  assert.equal((await event<[IncomingMessage]>(elsewhere, 'response'))[0].statusCode, 401);
  assert.equal(loginsElsewhere, 1);
});

test('a credentials provider answers before the login event', async (t) => {
  const server = await protectedServer(t);
  const asked: CredentialsRequest[] = [];
  setCredentialsProvider((request) => {
    asked.push(request);
    return { username: 'user', password: 'pass' };
  });
  t.after(() => setCredentialsProvider(null));
  const request = net.request({ url: `${server.url}/x`, partition: 'login-provider' });
  let logins = 0;
  request.on('login', () => logins++);
  request.end();
  const [response] = await event<[IncomingMessage]>(request, 'response');
  assert.equal(response.statusCode, 200);
  assert.equal(logins, 0);
  assert.equal(asked.length, 1);
  assert.equal(asked[0]!.partition, 'login-provider');
  assert.equal(asked[0]!.url, `${server.url}/x`);
  assert.equal(asked[0]!.attempt, 1);
  assert.equal(asked[0]!.authInfo.realm, 'test');
});

test('answering a login twice throws the second time', async (t) => {
  const server = await protectedServer(t);
  const request = net.request({ url: `${server.url}/`, partition: 'login-twice' });
  let second: unknown;
  request.on('login', (_info: AuthInfo, callback: LoginCallback) => {
    callback('user', 'pass');
    try {
      callback('user', 'pass');
    } catch (error) {
      second = error;
    }
  });
  request.end();
  await event(request, 'response');
  assert.equal((second as Error).message, 'login callback called, but was not waiting for a login');
});
