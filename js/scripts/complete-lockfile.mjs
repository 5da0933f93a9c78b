// Adds lock entries for optional platform binaries that the registry mirror these machines use
// does not carry (other platforms' builds of rolldown, componentize-qjs and jco-node-fs, pulled
// in by jco). npm drops them from package-lock.json when it cannot fetch them, and `npm ci`
// then refuses the lock as out of sync. The entries carry only what npm needs to skip them on
// a platform they do not match (version, os, cpu, libc), copied from a sibling entry otherwise.
// Run after `npm install` changed the lock: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

/** `linux-x64-musl` → { os: ['linux'], cpu: ['x64'], libc: ['musl'] }. */
function platform(suffix) {
  const [os, cpu, abi] = suffix.split('-');
  if (os === 'wasm32') {
    return { cpu: ['wasm32'] };
  }
  const libc = abi?.startsWith('gnu') ? ['glibc'] : abi?.startsWith('musl') ? ['musl'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc && { libc }) };
}

let added = 0;
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined) {
      continue;
    }
    const family = name.replace(/(binding|fs)-[^/]*$/, '$1-');
    const sibling = Object.entries(packages).find(([k, v]) => k.startsWith(`node_modules/${family}`) && v.version === version)?.[1];
    const { integrity, os, cpu, libc, ...rest } = sibling ?? { optional: true, dev: true };
    packages[key] = { version, ...rest, ...platform(name.slice(family.length)) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} lock entries`);
