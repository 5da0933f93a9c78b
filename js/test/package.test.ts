// The published package: `npm pack`, then install the tarball into an empty project on a PATH
// without cargo or rustup and use it from ESM, from CommonJS and from TypeScript.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readAll, serve } from './helpers.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const typescript = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const RUST_TOOLS = ['cargo', 'rustup', 'rustc'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment of a machine with Node and npm only: no directory holding a Rust tool on the
 * PATH, and none of the outer `npm test`'s settings except its cache (which `npm ci` filled).
 */
function nodeOnlyEnv(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !RUST_TOOLS.some((tool) => isExecutable(join(dir, tool))));
  if (!path.includes(dirname(process.execPath))) {
    path.unshift(dirname(process.execPath));
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|CARGO|RUSTUP)/i.test(name) || name.toLowerCase() === 'npm_config_cache') {
      env[name] = value;
    }
  }
  return { ...env, PATH: path.join(delimiter) };
}

type LockEntry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } & Record<string, unknown>;

/**
 * The consumer's lock: the tarball, and this package's runtime dependencies as this package's
 * own lock pins them (`npm ci` fetched those into the cache), so that the install runs offline.
 * Registry entries carry no URL (this repository's npm omits them), as in this package's lock.
 */
function consumerLock(tarball: string, dependencies: Record<string, string>) {
  const ours = JSON.parse(readFileSync(join(packageRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const { version, license, engines, dependencies: runtime } = ours.packages['']!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', dependencies },
    'node_modules/electron-net-wasm': { version, resolved: `file:${tarball}`, license, engines, dependencies: runtime },
  };
  const pending = Object.keys(runtime ?? {});
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = ours.packages[`node_modules/${name}`]!;
    packages[`node_modules/${name}`] = entry;
    pending.push(...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }));
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

/** A GET, a POST and a redirected GET; prints what came back as JSON. */
const usage = (base: string) => `
async function fetchText(options, body) {
  return new Promise((resolve, reject) => {
    const request = net.request(options);
    const redirects = [];
    request.on('redirect', (status) => redirects.push(status));
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString(), redirects }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
const results = [
  await fetchText('${base}/hello'),
  await fetchText({ method: 'POST', url: '${base}/echo' }, 'posted body'),
  await fetchText('${base}/moved'),
];
console.log(JSON.stringify({ results, defaultSession: typeof session.defaultSession.cookies.get }));
`;

const expected = {
  results: [
    { status: 200, body: 'hello', redirects: [] },
    { status: 200, body: 'POST posted body', redirects: [] },
    { status: 200, body: 'hello', redirects: [302] },
  ],
  defaultSession: 'function',
};

test('the packed tarball installs without Rust and works from import, require and TypeScript', async (t) => {
  const server = await serve(t, async (req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/hello' }).end();
    } else if (req.url === '/echo') {
      res.end(`${req.method} ${await readAll(req)}`);
    } else {
      res.end('hello');
    }
  });
  const project = mkdtempSync(join(tmpdir(), 'electron-net-wasm-consumer-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const env = nodeOnlyEnv();
  assert.notEqual(spawnSync('sh', ['-c', 'command -v cargo || command -v rustup'], { env }).status, 0, 'cargo is on the PATH');

  // `npm test` built dist/ and generated/ just before; prepack would build them again.
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: packageRoot, env, encoding: 'utf8' }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed!.files.map(({ path }) => path);
  for (const required of ['dist/src/index.js', 'dist/src/index.d.ts', 'generated/component/component.core.wasm', 'generated/session/session.js']) {
    assert.ok(files.includes(required), `${required} is missing from the tarball`);
  }
  assert.deepEqual(
    files.filter((path) => /\.map$|(?<!\.d)\.ts$|^dist\/(test|bench)\/|^(src|test|scripts)\//.test(path)),
    [],
    'tests, sources and maps stay out of the tarball',
  );

  const dependencies = { 'electron-net-wasm': `file:${packed!.filename}` };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(packed!.filename, dependencies)));
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, env, stdio: 'pipe' });

  const base = server.url;
  writeFileSync(join(project, 'esm.mjs'), `import { net, session } from 'electron-net-wasm';\n${usage(base)}`);
  writeFileSync(
    join(project, 'cjs.cjs'),
    `const { net, session } = require('electron-net-wasm');\n(async () => {\n${usage(base)}\n})();`,
  );
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    // Not spawnSync: the server answering the script runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: project, env });
    assert.deepEqual(JSON.parse(stdout), expected, script);
  }

  writeFileSync(
    join(project, 'typed.ts'),
    `import { net, type IncomingMessage } from 'electron-net-wasm';\n` +
      `net.request('${base}/hello').on('response', (response: IncomingMessage) => response.statusCode.toFixed());\n`,
  );
  const types = join(packageRoot, 'node_modules', '@types');
  const tsc = spawnSync(
    process.execPath,
    [typescript, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', types, '--types', 'node', 'typed.ts'],
    { cwd: project, env, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, `the package's types do not check:\n${tsc.stdout}`);
});
