//! The progress bar on stderr. It appears only once a transfer has run for a while, so quick
//! requests print nothing; callers disable it where it would garble output (not a terminal,
//! `--trace`, body going to the same terminal).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const REVEAL_AFTER: Duration = Duration::from_millis(700);
const BAR: &str =
    "{msg:8} [{bar:25}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}";
const SPINNER: &str = "{msg:8} {spinner} {binary_bytes} {binary_bytes_per_sec}";

pub struct Progress {
    /// The current phase's bar; a new phase gets a new bar, so nothing of the last one lingers.
    bar: ProgressBar,
    uploading: bool,
    /// When the bar starts drawing; `None` once it does, or never when disabled.
    reveal_at: Option<Instant>,
    shown: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            uploading: false,
            reveal_at: enabled.then(|| Instant::now() + REVEAL_AFTER),
            shown: false,
        }
    }

    /// Bytes of the body handed to the network so far, of `total` when known (a chunked body's
    /// size is not known until it ends).
    pub fn upload(&mut self, current: u64, total: Option<u64>) {
        if !self.uploading {
            self.uploading = true;
            self.start("upload", total);
        }
        self.bar.set_position(current);
        self.reveal();
    }

    /// The response started; `total` is its `Content-Length`, when known.
    pub fn download(&mut self, total: Option<u64>) {
        self.uploading = false;
        self.start("download", total);
    }

    pub fn received(&mut self, bytes: u64) {
        self.bar.inc(bytes);
        self.reveal();
    }

    /// Runs `f` (a prompt) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn start(&mut self, label: &'static str, total: Option<u64>) {
        let template = if total.is_some() { BAR } else { SPINNER };
        let style = ProgressStyle::with_template(template).expect("the templates are valid");
        self.bar.finish_and_clear();
        self.bar = ProgressBar::with_draw_target(total, self.target())
            .with_style(style.progress_chars("=> "))
            .with_message(label);
    }

    fn reveal(&mut self) {
        if self.reveal_at.is_some_and(|at| Instant::now() >= at) {
            self.reveal_at = None;
            self.shown = true;
            self.bar.set_draw_target(self.target());
        }
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.shown {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }
}
