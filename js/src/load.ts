/** Instantiates a jco-transpiled component of this package (see scripts/transpile.mjs). */
import { readFileSync } from 'node:fs';

type Instantiate<Imports, Root> = (getCoreModule: (path: string) => WebAssembly.Module, imports: Imports) => Root;

/**
 * `specifier` is the package import (`#component`) whose generated module sits next to its core
 * wasm files. Synchronous, so that the package loads without a top-level await and `require()`
 * can load it. The generated code looks interfaces up without their version, so both names are
 * given.
 */
export function instantiateComponent<Imports extends object, Root>(
  instantiate: Instantiate<Imports, Root>,
  specifier: string,
  imports: Imports,
): Root {
  const base = import.meta.resolve(specifier);
  const getCoreModule = (path: string) => new WebAssembly.Module(readFileSync(new URL(path, base)));
  const unversioned = Object.fromEntries(Object.entries(imports).map(([name, value]) => [name.replace(/@[^@]*$/, ''), value]));
  return instantiate(getCoreModule, Object.assign(unversioned, imports));
}
