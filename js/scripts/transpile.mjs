// Transpiles the two components to JavaScript + core wasm with jco: the guest into
// generated/component, the session provider into generated/session. Instantiation mode "sync":
// the package supplies every import itself (src/component.ts, src/session-backend.ts) and loads
// without a top-level await, so `require()` works too.
//
// Then patches jco 1.35's generated glue (see "The patch" in README.md): every patch names the
// exact text jco emits and how many times each glue file holds it, and the build fails when jco's
// output differs, so a jco upgrade means looking at the glue again rather than silently
// shipping a half-patched file.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const components = resolve(
  fileURLToPath(new URL('../../', import.meta.url)),
  process.env.CARGO_TARGET_DIR ?? 'target',
  'components',
);

/** Import trampolines (host functions the guest calls) and export wrappers, per glue file. */
const COMPONENTS = [
  { wasm: 'electron-net-client.wasm', name: 'component', imports: 54, exports: 16, debugLogs: 263 },
  { wasm: 'electron-net-session.wasm', name: 'session', imports: 16, exports: 11, debugLogs: 149 },
];

for (const { wasm, name, ...counts } of COMPONENTS) {
  const out = here(`../generated/${name}`);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      here('../node_modules/@bytecodealliance/jco/dist/jco.js'),
      'transpile',
      resolve(components, wasm),
      ...['-o', out, '--name', name, '--instantiation', 'sync', '--quiet'],
    ],
    { stdio: 'inherit' },
  );
  const glue = `${out}/${name}.js`;
  writeFileSync(glue, patchGlue(readFileSync(glue, 'utf8'), glue, counts));
}

/**
 * A regular expression for `text` taken literally, except holes, captured in order: `«name»`
 * matches anything on one line up to what follows it (a name, an index), `«name…»` the shortest
 * text up to what follows it, across lines (an expression).
 */
function literal(text) {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/«\w+»/g, '([^\\n]*?)').replace(/«\w+…»/g, '([^]*?)'), 'g');
}

function patchGlue(source, glue, { imports, exports, debugLogs }) {
  const replace = (label, expected, pattern, replacement) => {
    const found = source.match(pattern)?.length ?? 0;
    if (found !== expected) {
      throw new Error(
        `${glue}: expected ${expected} × ${label} in jco's output, found ${found}; revisit ${fileURLToPath(import.meta.url)}`,
      );
    }
    source = source.replace(pattern, replacement);
  };

  // 1. The leak: every resource handle created is added to a set nothing reads or removes from.
  replace('_createdReps.add', 1, literal('\n    table._createdReps.add(rep);'), '');

  // 2. Import trampolines: a host task, linked to the subtask created by the lowering wrapper,
  //    entered, resolved and exited around every host call. Only the call itself stays, and the
  //    trap marking that poisons the instance after a trap.
  replace(
    'import task creation',
    imports,
    literal(`
    const hostProvided = true;
    
    let parentTask;
    let task;
    let subtask;
    
    const createTask = () => {
      const results = createNewCurrentTask({
        componentIdx: -1,
        isAsync: false,
        entryFnName: '«name»',
        getCallbackFn: () => null,
        callbackFnName: null,
        errHandling: '«handling»',
        callingWasmExport: false,
      });
      task = results[0];
    };
    
    taskCreation: {
      parentTask = getCurrentTask(
      0,
      _getGlobalCurrentTaskMeta(0)?.taskID,
      )?.task;
      
      if (!parentTask) {
        createTask();
        break taskCreation;
      }
      
      createTask();
      
      if (hostProvided) {
        subtask = parentTask.getLatestSubtask();
        if (!subtask) {
          throw new Error(\`Missing subtask (in parent task [\${parentTask.id()}]) for host import, has the import been lowered? (ensure asyncImports are set properly)\`);
        }
        task.setParentSubtask(subtask);
      }
    }
    
    const started = task.enterSync();`),
    '',
  );
  replace(
    'import call',
    imports,
    literal(`_withGlobalCurrentTaskMeta({
        componentIdx: task.componentIdx(),
        taskID: task.id(),
        fn: () => _trackHostOperation(() => «call…»),
      })
      ;`),
    '$1;',
  );
  replace(
    'import trap',
    imports - (source.match(/markTrapped\(e\)\) \{ throw e; \}/g)?.length ?? 0),
    literal(`
      _debugLog('[Instruction::CallInterface] error during sync call', {
        taskID: task.id(),
        subtaskID: task.getParentSubtask()?.id(),
        err,
      });
      getOrCreateAsyncState(«idx»).markTrapped(err);
      task.setErrored(err);
      task.reject(err);
      task.exit();
      throw err;`),
    '\n      getOrCreateAsyncState($1).markTrapped(err);\n      throw err;',
  );
  replace('import return', imports, literal('\n    task.resolve([«value»]);\n    task.exit();'), '');

  // 3. The lowering wrapper around each import: builds a subtask with its call metadata and
  //    checks the may-leave flag, then calls the trampoline. The trampoline is called directly.
  replace(
    'import lowering',
    imports,
    /let (trampoline\d+) = _\1\.manuallyAsync \? new WebAssembly\.Suspending\(_suspendingImport\(\d+, _lowerImportBackwardsCompat\.bind\(\n[^]*?importFn: _\1,\n {2}\},\n {2}\)\)\) : _lowerImportBackwardsCompat\.bind\(\n[^]*?importFn: _\1,\n {2}\},\n {2}\);/g,
    (wrapper, trampoline) => {
      if (!/\n {4}isAsync: false,\n/.test(wrapper) || !/\n {4}funcTypeIsAsync: false,\n/.test(wrapper)) {
        throw new Error(`${glue}: ${trampoline} is lowered async; the patch assumes sync imports only`);
      }
      return `let ${trampoline} = _${trampoline};`;
    },
  );

  // 4. Export wrappers: a task created, entered, given the return memory, resolved and exited,
  //    and two nested closures setting the current task, around every call into the guest. The
  //    check that refuses calls into a trapped instance and the trap marking stay.
  replace(
    'export task',
    exports,
    literal(`
    const hostProvided = false;
    getOrCreateAsyncState(«idx»).throwIfTrapped();
    
    const [task, _wasm_call_currentTaskID] = createNewCurrentTask({
      componentIdx: «idx2»,
      isAsync: false,
      isManualAsync: false,
      preserveFutureResult: false,
      entryFnName: '«name»',
      getCallbackFn: () => null,
      callbackFnName: null,
      errHandling: '«handling»',
      callingWasmExport: true,
    });
    task.setCalleeIsAsync(false);
    
    const started = task.enterSync();
    CURRENT_TASK_MAY_BLOCK.value = task.mayBlock() ? 1 : 0;
    
    if («memoryIdx»!== null) {
      task.setReturnMemoryIdx(«memoryIdx2»);
      task.setReturnMemory((() => «memory»)());
    }
    
    
    return _withGlobalCurrentTaskMeta({
      taskID: task.id(),
      componentIdx: task.componentIdx(),
      fn: () => {
        try {`),
    '\n    getOrCreateAsyncState($1).throwIfTrapped();\n    {\n      {\n        {',
  );
  replace(
    'export task end',
    exports,
    literal(`
        } catch (err) {
          if (!task.isResolvedState()) {
            task.setErrored(err);
            task.reject(err);
          }
          if (!task.isExited()) { task.exit({ skipExclusiveLockCheck: true }); }
          throw err;
        }
      },
    });`),
    '\n        }\n      }\n    }',
  );
  replace(
    'export call',
    exports,
    literal(`_withGlobalCurrentTaskMeta({
              taskID: task.id(),
              componentIdx: task.componentIdx(),
              fn: () => «call…»,
            });`),
    '$1;',
  );
  replace(
    'export trap',
    exports,
    literal(`
            _debugLog('[Instruction::CallWasm] error during sync call', {
              taskID: task.id(),
              err,
            });
            getOrCreateAsyncState(«idx»).markTrapped(err);
            task.setErrored(err);
            task.reject(err);
            task.exit();
            throw err;`),
    '\n            getOrCreateAsyncState($1).markTrapped(err);\n            throw err;',
  );
  replace('export resolve', exports, /\n {10}task\.resolve\(\[[^]*?\]\);(?=\n)/g, '');
  replace('export exit', exports, literal('\n          task.exit();'), '');

  // Nothing of the task machinery may be left in a call path.
  const callPaths = source.slice(source.indexOf('let gen= (function* _initGenerator'));
  for (const leftover of [/\btask\./, /_wasm_call_currentTaskID/, /hostProvided/]) {
    if (leftover.test(callPaths)) {
      throw new Error(`${glue}: "${leftover}" is still used after patching; revisit ${fileURLToPath(import.meta.url)}`);
    }
  }

  // 5. The debug logger reads process.env.JCO_DEBUG on every call, and each call builds its
  //    argument objects first. Read the variable once, and build nothing unless it is set.
  replace(
    '_debugLog definition',
    1,
    literal(`  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }`),
    `  const JCO_DEBUG = Boolean(globalThis?.process?.env?.JCO_DEBUG);
  const _debugLog = (...args) => {
    if (!JCO_DEBUG) { return; }`,
  );
  replace('_debugLog call', debugLogs, /^( *)_debugLog\(/gm, '$1JCO_DEBUG && _debugLog(');
  return source;
}
