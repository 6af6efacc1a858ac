//! A progress line on standard error, shown only when a person is watching.

use std::time::Duration;

use dedup::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Wraps an indicatif spinner; when disabled every call is a no-op, so the pipeline does not
/// need to know whether anyone is looking.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(enabled: bool) -> Self {
        let bar = if enabled {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix:>9} {human_pos} {msg} ({per_sec}, {elapsed})",
                )
                .expect("the template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Bar { bar }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, unit: &'static str) {
        self.bar.set_prefix(name);
        self.bar.set_message(unit);
        self.bar.set_position(0);
        self.bar.reset_elapsed();
    }

    fn advance(&self, by: u64) {
        self.bar.inc(by);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
