// The parts of the WebAssembly JS API this package and jco's generated bindings use. TypeScript
// only declares WebAssembly in its DOM libraries, and @types/node 20 does not.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    readonly exports: Record<string, unknown>;
  }
  class RuntimeError extends Error {}
}
