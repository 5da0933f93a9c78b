// Builds the two components this package runs, in one cargo invocation: the electron:net guest
// (the ClientRequest) and the session provider (the Rust cookie jar and auth cache). Release,
// optimised for size, in a target directory of their own so they never contend with the
// workspace's other builds.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const workspace = fileURLToPath(new URL('../../', import.meta.url));
const run = (command, args, env = process.env) => execFileSync(command, args, { cwd: workspace, stdio: 'inherit', env });

// The machines do not install toolchain targets on demand; this is a no-op when present.
run('rustup', ['target', 'add', 'wasm32-wasip2']);
run(
  'cargo',
  [
    'build',
    '--release',
    '--locked',
    '--target',
    'wasm32-wasip2',
    '-p',
    'electron-net-guest',
    '-p',
    'electron-net-session-component',
    '--target-dir',
    'target/js-guest',
  ],
  {
    ...process.env,
    CARGO_PROFILE_RELEASE_OPT_LEVEL: 's',
    CARGO_PROFILE_RELEASE_LTO: 'true',
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS: '1',
    CARGO_PROFILE_RELEASE_STRIP: 'true',
    CARGO_PROFILE_RELEASE_PANIC: 'abort',
  },
);
