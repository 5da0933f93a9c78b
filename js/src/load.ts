/** Instantiates a jco-transpiled component of this package (see scripts/transpile.mjs). */
import { readFile } from 'node:fs/promises';

type Instantiate<Imports, Root> = (
  getCoreModule: (path: string) => Promise<WebAssembly.Module>,
  imports: Imports,
) => Root | Promise<Root>;

/**
 * `specifier` is the package import (`#component`) whose generated module sits next to its core
 * wasm files. The generated code looks interfaces up without their version, so both names are
 * given.
 */
export async function instantiateComponent<Imports extends object, Root>(
  instantiate: Instantiate<Imports, Root>,
  specifier: string,
  imports: Imports,
): Promise<Root> {
  const base = import.meta.resolve(specifier);
  const getCoreModule = async (path: string) => WebAssembly.compile(await readFile(new URL(path, base)));
  const unversioned = Object.fromEntries(Object.entries(imports).map(([name, value]) => [name.replace(/@[^@]*$/, ''), value]));
  return instantiate(getCoreModule, Object.assign(unversioned, imports));
}
