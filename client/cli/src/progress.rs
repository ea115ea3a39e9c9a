//! Progress bars on stderr for downloads and uploads, drawn only when stderr
//! is a terminal (and not with `--no-progress`).

use std::io::IsTerminal;

use clap::{Arg, ArgAction};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdocs_client::runtime::UploadProgress;
use kdocs_client::DownloadProgress;

/// The bar of a transfer whose size is known.
const SIZED: &str = "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";

/// The bar of a transfer whose size is not known.
const UNSIZED: &str = "{spinner} {bytes} {bytes_per_sec}";

/// `--no-progress`.
pub(crate) fn arg() -> Arg {
    Arg::new("no_progress")
        .long("no-progress")
        .action(ArgAction::SetTrue)
        .help("No progress bar, even on a terminal")
}

/// A bar, or a hidden one when stderr is not a terminal or `hidden`.
pub(crate) fn bar(hidden: bool) -> ProgressBar {
    if std::io::stderr().is_terminal() && !hidden {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    }
}

/// The bar of an operation's upload: hidden until an upload starts (most
/// calls upload nothing), then drawn on stderr when `wanted` and stderr is
/// a terminal.
pub(crate) struct UploadBar {
    bar: ProgressBar,
    draw: bool,
}

impl UploadBar {
    pub(crate) fn new(wanted: bool) -> Self {
        UploadBar {
            bar: ProgressBar::hidden(),
            draw: wanted && std::io::stderr().is_terminal(),
        }
    }

    /// What the runtime's [`UploadProgress`] callback calls.
    pub(crate) fn reporter(&self) -> impl Fn(UploadProgress) + Send + Sync + 'static {
        let bar = self.bar.clone();
        let draw = self.draw;
        move |progress: UploadProgress| {
            if draw && progress.sent == 0 && bar.is_hidden() {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            show_sent(&bar, progress.sent, progress.total);
        }
    }

    /// Clears the bar once the call is over.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn sized(bar: &ProgressBar, total: u64) {
    bar.set_length(total);
    bar.set_style(
        ProgressStyle::with_template(SIZED).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
}

/// The download bar's length once the size is known, and its position.
pub(crate) fn show_download(bar: &ProgressBar, progress: DownloadProgress) {
    if progress.received == 0 {
        match progress.total {
            Some(total) => sized(bar, total),
            None => bar.set_style(
                ProgressStyle::with_template(UNSIZED)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        }
    }
    bar.set_position(progress.received);
}

/// The upload bar's position (see [`UploadProgress`]): a body's length is
/// always known, and an attempt that is retried starts again from 0.
fn show_sent(bar: &ProgressBar, sent: u64, total: u64) {
    if sent == 0 {
        sized(bar, total);
        bar.reset();
    }
    bar.set_position(sent);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_bar_follows_each_attempt() {
        let bar = ProgressBar::hidden();
        for (sent, total) in [(0, 100), (64, 100), (100, 100), (0, 100), (64, 100)] {
            show_sent(&bar, sent, total);
            assert_eq!(bar.position(), sent);
            assert_eq!(bar.length(), Some(total));
        }
    }
}
