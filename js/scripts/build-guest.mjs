// Builds the components this package runs with the workspace's `electron-net-components` crate,
// the one place every component is built (release, optimised for size) and composed; it leaves
// them in target/components/ (or $CARGO_TARGET_DIR/components/).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const workspace = fileURLToPath(new URL('../../', import.meta.url));
const run = (command, args) => execFileSync(command, args, { cwd: workspace, stdio: 'inherit' });

// The machines do not install toolchain targets on demand; this is a no-op when present.
run('rustup', ['target', 'add', 'wasm32-wasip2']);
run('cargo', ['build', '--locked', '-p', 'electron-net-components']);
