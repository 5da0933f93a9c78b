// The standalone component (target/components/electron-net-standalone.wasm) under stock jco: a
// plain `jco transpile` with no options and no glue patches, run on
// @bytecodealliance/preview2-shim alone, none of this package's WASI code. This is how someone
// composing components would run it in Node.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readAll, serve } from './helpers.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const standalone = resolve(packageRoot, '..', process.env.CARGO_TARGET_DIR ?? 'target', 'components', 'electron-net-standalone.wasm');
// Under dist/ so that the glue resolves @bytecodealliance/preview2-shim from this package's
// node_modules, and outside what `npm pack` ships (dist/src).
const out = resolve(packageRoot, 'dist', 'stock-jco');

interface Outcome {
  events: { tag: string; val?: unknown }[];
  cookies: { name: string; value: string }[];
}

test('the standalone component runs under stock jco on preview2-shim alone', async (t) => {
  assert.ok(existsSync(standalone), `${standalone} is built by \`npm run build\``);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [
    resolve(packageRoot, 'node_modules/@bytecodealliance/jco/dist/jco.js'),
    'transpile',
    standalone,
    ...['-o', out, '--name', 'standalone', '--quiet'],
  ]);

  const upstream = await serve(t, async (request, response) => {
    switch (request.url) {
      case '/start':
        response.writeHead(302, { location: '/landing', 'set-cookie': 'hop=one; Path=/' });
        response.end();
        break;
      case '/landing':
        response.end(`cookie=${request.headers.cookie ?? ''}`);
        break;
      case '/echo':
        response.end(`${request.method} ${(await readAll(request)).toString()}`);
        break;
      default:
        response.writeHead(404).end();
    }
  });

  const requests = [{ url: `${upstream.url}/start` }, { url: `${upstream.url}/echo`, method: 'POST', body: 'posted through stock jco' }];
  const { stdout } = await promisify(execFile)(process.execPath, [
    fileURLToPath(new URL('./stock-jco-run.js', import.meta.url)),
    resolve(out, 'standalone.js'),
    JSON.stringify(requests),
  ]);
  const [get, post] = stdout.trim().split('\n').map((line) => JSON.parse(line) as Outcome);
  const tags = (outcome: Outcome) => outcome.events.map((event) => event.tag);
  const body = (outcome: Outcome) =>
    outcome.events.filter((event) => event.tag === 'data').map((event) => event.val).join('');
  const status = (outcome: Outcome) =>
    (outcome.events.find((event) => event.tag === 'response')?.val as { statusCode: number }).statusCode;

  assert.deepEqual(tags(get!), ['finish', 'close', 'redirect', 'response', 'data', 'end', 'response-close']);
  assert.equal(status(get!), 200);
  // The redirect's cookie went into the session component's jar and out on the next hop.
  assert.equal(body(get!), 'cookie=hop=one');
  assert.deepEqual(get!.cookies.map(({ name, value }) => [name, value]), [['hop', 'one']]);

  assert.deepEqual(tags(post!), ['finish', 'close', 'upload-progress', 'response', 'data', 'end', 'response-close']);
  assert.equal(status(post!), 200);
  assert.equal(body(post!), 'POST posted through stock jco');
});
