// Transpiles the two components to JavaScript + core wasm with jco: the guest into
// generated/component, the session provider into generated/session. Instantiation mode "async":
// the package supplies every import itself (src/component.ts, src/session-backend.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const release = '../../target/js-guest/wasm32-wasip2/release';

for (const [wasm, name] of [
  ['electron_net_guest.wasm', 'component'],
  ['electron_net_session_component.wasm', 'session'],
]) {
  const out = here(`../generated/${name}`);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      here('../node_modules/@bytecodealliance/jco/dist/jco.js'),
      'transpile',
      here(`${release}/${wasm}`),
      ...['-o', out, '--name', name, '--instantiation', 'async', '--quiet'],
    ],
    { stdio: 'inherit' },
  );
  patchDebugLog(`${out}/${name}.js`);
}

/**
 * jco 1.35's glue calls _debugLog a dozen times per host call, and each call reads
 * process.env.JCO_DEBUG, a lookup in the real environment: over a tenth of a small GET.
 * Reading it once at instantiation keeps JCO_DEBUG working.
 */
function patchDebugLog(glue) {
  const perCall = `  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }`;
  const once = `  const JCO_DEBUG = Boolean(globalThis?.process?.env?.JCO_DEBUG);
  const _debugLog = (...args) => {
    if (!JCO_DEBUG) { return; }`;
  const source = readFileSync(glue, 'utf8');
  if (source.split(perCall).length !== 2) {
    throw new Error(`jco's _debugLog changed; revisit the patch in ${fileURLToPath(import.meta.url)}`);
  }
  writeFileSync(glue, source.replace(perCall, once));
}
