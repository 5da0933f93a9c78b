//! `electron-net`: Electron's `net.request()` from the command line, run through the
//! ClientRequest component, plus a self-contained demo (`electron-net demo`).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
