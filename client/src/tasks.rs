//! Waiting for an office task: the extraction or conversion that
//! [`Client::extract_plain_text`](crate::Client::extract_plain_text) or a
//! `convert_to_*` call started, polled with
//! [`get_office_task`](crate::Client::get_office_task) until it ends.
//!
//! No page documents the task query; public client code polls it and tells
//! the task's states apart by `status`: `success` ends it with a `result`
//! (an extraction's text as `base_64_text`), `failed` with a `message`. Any
//! other answer (another status, or none) means the task is still running,
//! as it does for that code. [`Client::wait_for_task`] polls so, with
//! exponential backoff ([`TaskWait`]), under a deadline, and answers a
//! [`TaskOutcome`]: done, failed, or timed out.
//!
//! ```no_run
//! # #[cfg(feature = "extract")]
//! # async fn run(client: kdocs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use kdocs_client::tasks::{TaskOutcome, TaskWait};
//! use kdocs_client::ExtractPlainTextRequest;
//!
//! let started = client
//!     .extract_plain_text(
//!         ExtractPlainTextRequest::new()
//!             .with_url("https://example.com/report.docx")
//!             .with_filename("report.docx"),
//!     )
//!     .await?;
//! let task_id = started.task_id.ok_or("no task_id in the answer")?;
//! let wait = TaskWait::new().with_deadline(Duration::from_secs(60));
//! match client.wait_for_task(task_id, wait).await? {
//!     TaskOutcome::Done(task) => println!("{}", task.text().ok_or("no text")??),
//!     TaskOutcome::Failed { message, .. } => eprintln!("failed: {message:?}"),
//!     TaskOutcome::TimedOut { polls, .. } => eprintln!("still running after {polls} polls"),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use tokio::time::Instant;

use crate::{Client, Error, GetOfficeTaskRequest, GetOfficeTaskResponse, OfficeTaskStatus};

/// How [`Client::wait_for_task`] polls: the first wait, the longest, and the
/// deadline of the whole wait.
///
/// The waits double from `first_delay` up to `max_delay`: 500 ms, 1 s, 2 s,
/// 4 s, 5 s, 5 s, … by default, under a deadline of 2 minutes (the public
/// client that polls these tasks gives up after about a minute). The task is
/// queried at once, then after each wait that ends before the deadline; a
/// wait that would pass it ends at the deadline, and so does the wait.
///
/// ```
/// use std::time::Duration;
/// use kdocs_client::tasks::TaskWait;
///
/// let wait = TaskWait::new().with_first_delay(Duration::from_millis(100));
/// assert_eq!(wait.delay_after(0), Duration::from_millis(100));
/// assert_eq!(wait.delay_after(3), Duration::from_millis(800));
/// assert_eq!(wait.delay_after(30), wait.max_delay());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskWait {
    first_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
}

impl Default for TaskWait {
    fn default() -> Self {
        TaskWait::new()
    }
}

impl TaskWait {
    /// The default waits: 500 ms doubling up to 5 s, for at most 2 minutes.
    pub fn new() -> Self {
        TaskWait {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            deadline: Duration::from_secs(120),
        }
    }

    /// The wait after the first query (at least 1 ms).
    pub fn with_first_delay(mut self, delay: Duration) -> Self {
        self.first_delay = delay.max(Duration::from_millis(1));
        self.max_delay = self.max_delay.max(self.first_delay);
        self
    }

    /// The longest wait between two queries (at least the first wait).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay.max(self.first_delay);
        self
    }

    /// How long the whole wait may take, queries included.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait after the first query.
    pub fn first_delay(&self) -> Duration {
        self.first_delay
    }

    /// The longest wait between two queries.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// How long the whole wait may take.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait after query number `polls` (0 for the first): the first
    /// wait doubled `polls` times, at most the longest.
    pub fn delay_after(&self, polls: u32) -> Duration {
        let factor = 1u32.checked_shl(polls.min(31)).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |delay| delay.min(self.max_delay))
    }
}

/// How a wait for a task ended.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TaskOutcome {
    /// `status` is `success`: the task's answer, with its `result`
    /// ([`GetOfficeTaskResponse::text`] decodes an extraction's text).
    Done(GetOfficeTaskResponse),
    /// `status` is `failed`.
    Failed {
        /// Why, as the answer's `message` says (when it says).
        message: Option<String>,
        /// The whole answer.
        task: GetOfficeTaskResponse,
    },
    /// The deadline passed while the task was still running.
    TimedOut {
        /// The last answer, when a query answered in time.
        last: Option<GetOfficeTaskResponse>,
        /// How many queries answered.
        polls: u32,
        /// How long the wait took.
        waited: Duration,
    },
}

/// Where a task is, by its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Done,
    Failed,
    Running,
}

/// `success` and `failed` end a task; anything else (another value, no
/// `status`) is a task still running, as the public client reads it.
fn phase(task: &GetOfficeTaskResponse) -> Phase {
    match task.status {
        Some(OfficeTaskStatus::Success) => Phase::Done,
        Some(OfficeTaskStatus::Failed) => Phase::Failed,
        _ => Phase::Running,
    }
}

/// Why [`GetOfficeTaskResponse::text`] could not decode `base_64_text`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskTextError {
    /// `base_64_text` is not standard base64.
    #[error("base_64_text is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The decoded bytes are not UTF-8.
    #[error("base_64_text does not decode to UTF-8: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
}

impl GetOfficeTaskResponse {
    /// The text of a finished extraction: `result.base_64_text`, decoded
    /// (standard base64, then UTF-8, as the public client decodes it);
    /// `None` when the answer holds no `base_64_text`.
    pub fn text(&self) -> Option<Result<String, TaskTextError>> {
        let encoded = self.result.as_ref()?.base_64_text.as_deref()?;
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(TaskTextError::from)
                .and_then(|bytes| String::from_utf8(bytes).map_err(TaskTextError::from)),
        )
    }
}

impl Client {
    /// Waits for the office task `task_id` (the `task_id` that
    /// [`extract_plain_text`](Client::extract_plain_text) or a conversion
    /// answered) to end: queries it with
    /// [`get_office_task`](Client::get_office_task) at once, then after each
    /// of `wait`'s waits, until its `status` is `success`
    /// ([`TaskOutcome::Done`]) or `failed` ([`TaskOutcome::Failed`]), or
    /// `wait`'s deadline passes ([`TaskOutcome::TimedOut`]; a query still
    /// under way then is dropped). A query that fails (after the client's
    /// own retries) ends the wait with its error. See the [module docs](self).
    pub async fn wait_for_task(
        &self,
        task_id: impl Into<String>,
        wait: TaskWait,
    ) -> Result<TaskOutcome, Error> {
        let task_id = task_id.into();
        poll_until_done(
            || self.get_office_task(GetOfficeTaskRequest::new(task_id.clone())),
            wait,
        )
        .await
    }
}

/// The waiting loop of [`Client::wait_for_task`], over any query.
async fn poll_until_done<F, Q>(mut query: F, wait: TaskWait) -> Result<TaskOutcome, Error>
where
    F: FnMut() -> Q,
    Q: Future<Output = Result<GetOfficeTaskResponse, Error>>,
{
    let start = Instant::now();
    let deadline = start + wait.deadline;
    let mut last = None;
    let mut polls = 0;
    loop {
        let Ok(answer) = tokio::time::timeout_at(deadline, query()).await else {
            break;
        };
        let task = answer?;
        polls += 1;
        match phase(&task) {
            Phase::Done => return Ok(TaskOutcome::Done(task)),
            Phase::Failed => {
                let message = task.message.clone();
                return Ok(TaskOutcome::Failed { message, task });
            }
            Phase::Running => last = Some(task),
        }
        // A wait that reaches the deadline leaves no time for a query.
        let pause = wait.delay_after(polls - 1);
        if Instant::now() + pause >= deadline {
            tokio::time::sleep_until(deadline).await;
            break;
        }
        tokio::time::sleep(pause).await;
    }
    Ok(TaskOutcome::TimedOut {
        last,
        polls,
        waited: start.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::GetOfficeTaskResponseResult;

    fn task(status: Option<&str>) -> GetOfficeTaskResponse {
        let mut task = GetOfficeTaskResponse::new();
        task.status = status.map(OfficeTaskStatus::from);
        task
    }

    /// A query answering `answers` in turn, then `running` for ever.
    fn scripted(
        answers: Vec<Result<GetOfficeTaskResponse, Error>>,
    ) -> impl FnMut() -> std::future::Ready<Result<GetOfficeTaskResponse, Error>> {
        let answers = Mutex::new(VecDeque::from(answers));
        move || {
            let next = answers.lock().unwrap().pop_front();
            std::future::ready(next.unwrap_or_else(|| Ok(task(Some("running")))))
        }
    }

    fn quick() -> TaskWait {
        TaskWait::new()
            .with_first_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(4))
    }

    #[test]
    fn waits_double_up_to_the_longest() {
        let wait = TaskWait::new();
        let waits: Vec<u64> = (0..7)
            .map(|n| wait.delay_after(n).as_millis() as u64)
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!(wait.delay_after(u32::MAX), Duration::from_secs(5));
        // The longest is never below the first.
        let odd = TaskWait::new().with_max_delay(Duration::from_millis(10));
        assert_eq!(odd.delay_after(0), Duration::from_millis(500));
    }

    #[test]
    fn only_success_and_failed_end_a_task() {
        assert_eq!(phase(&task(Some("success"))), Phase::Done);
        assert_eq!(phase(&task(Some("failed"))), Phase::Failed);
        for running in [None, Some("running"), Some("pending"), Some("SUCCESS")] {
            assert_eq!(phase(&task(running)), Phase::Running, "{running:?}");
        }
    }

    #[tokio::test]
    async fn a_task_that_succeeds_after_running_is_done() {
        let answers = vec![
            Ok(task(None)),
            Ok(task(Some("queued"))),
            Ok(task(Some("success"))),
        ];
        let outcome = poll_until_done(scripted(answers), quick()).await.unwrap();
        assert_eq!(outcome, TaskOutcome::Done(task(Some("success"))));
    }

    #[tokio::test]
    async fn a_failed_task_gives_its_message() {
        let mut failed = task(Some("failed"));
        failed.message = Some("password required".into());
        let outcome = poll_until_done(scripted(vec![Ok(task(None)), Ok(failed.clone())]), quick())
            .await
            .unwrap();
        let TaskOutcome::Failed { message, task } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(message.as_deref(), Some("password required"));
        assert_eq!(task, failed);
    }

    #[tokio::test]
    async fn a_task_still_running_at_the_deadline_times_out() {
        let wait = quick().with_deadline(Duration::from_millis(40));
        let started = std::time::Instant::now();
        let outcome = poll_until_done(scripted(Vec::new()), wait).await.unwrap();
        let elapsed = started.elapsed();
        let TaskOutcome::TimedOut {
            last,
            polls,
            waited,
        } = outcome
        else {
            panic!("{outcome:?}");
        };
        assert!(polls >= 2, "it polled {polls} times");
        assert_eq!(last, Some(task(Some("running"))));
        assert!(waited >= Duration::from_millis(40), "{waited:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }

    #[tokio::test]
    async fn a_query_that_hangs_past_the_deadline_times_out() {
        let wait = quick().with_deadline(Duration::from_millis(30));
        let outcome = poll_until_done(std::future::pending, wait).await.unwrap();
        assert!(
            matches!(
                outcome,
                TaskOutcome::TimedOut {
                    last: None,
                    polls: 0,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_failed_query_ends_the_wait_with_its_error() {
        let refused = Error::Config("refused by the test".to_owned());
        let outcome = poll_until_done(scripted(vec![Ok(task(None)), Err(refused)]), quick()).await;
        assert!(outcome.is_err());
    }

    #[test]
    fn the_text_of_a_task_is_decoded_base64_utf8() {
        let mut done = task(Some("success"));
        assert!(done.text().is_none());
        let mut result = GetOfficeTaskResponseResult::new();
        result.base_64_text = Some("5Lq65Y+j6LCD5p+l5oql5ZGK".into());
        done.result = Some(result.clone());
        assert_eq!(done.text().unwrap().unwrap(), "人口调查报告");
        result.base_64_text = Some("not base64!".into());
        done.result = Some(result.clone());
        assert!(matches!(done.text(), Some(Err(TaskTextError::Base64(_)))));
        result.base_64_text = Some("/w==".into());
        done.result = Some(result);
        assert!(matches!(done.text(), Some(Err(TaskTextError::Utf8(_)))));
    }
}
