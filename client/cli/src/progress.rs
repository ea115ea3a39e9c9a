//! Progress on stderr, drawn only when stderr is a terminal: bars for
//! downloads and uploads (not with `--no-progress`), a spinner while `--wait`
//! waits for an office task.

use std::io::IsTerminal;

use clap::{Arg, ArgAction};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdocs_client::runtime::UploadProgress;
use kdocs_client::DownloadProgress;

use crate::failure::Failure;

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

/// `--wait`: the office task the answer names, waited for with the client's
/// task waiter (a spinner on stderr when it is a terminal); the task's
/// answer is printed. A failed task is a failed call (exit status 1), a task
/// still running at the deadline a timeout (5).
pub(crate) async fn wait_for_task(
    client: &kdocs_client::Client,
    answer: &serde_json::Value,
    printer: &crate::output::Printer,
    out: &mut impl std::io::Write,
) -> Result<(), Failure> {
    use kdocs_client::tasks::{TaskOutcome, TaskWait};
    let task_id = answer
        .get("task_id")
        .and_then(serde_json::Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Failure::api("`--wait`: the answer names no task_id"))?;
    let spinner = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    spinner.set_message(format!("waiting for task {task_id}"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let outcome = client.wait_for_task(task_id, TaskWait::new()).await;
    spinner.finish_and_clear();
    let as_json = |task: &kdocs_client::GetOfficeTaskResponse| {
        serde_json::to_value(task).map_err(|e| Failure::api(e.to_string()))
    };
    match outcome.map_err(|e| Failure::from_call(&e))? {
        TaskOutcome::Done(task) => printer.print(&as_json(&task)?, out),
        TaskOutcome::Failed { message, .. } => Err(Failure::api(format!(
            "task {task_id} failed: {}",
            message.as_deref().unwrap_or("(no message)")
        ))),
        TaskOutcome::TimedOut { polls, waited, .. } => Err(Failure::timeout(format!(
            "task {task_id} still running after {polls} queries in {} s",
            waited.as_secs()
        ))),
        other => Err(Failure::api(format!("task {task_id}: {other:?}"))),
    }
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
