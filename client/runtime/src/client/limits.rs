//! The time limits of a call, and the one timer that enforces them.
//!
//! A call has two limits: the operation's deadline ([`Config::with_operation_timeout`],
//! from the moment the call starts, over every attempt and every wait between
//! them) and each attempt's own limit ([`Config::with_timeout`], from the
//! moment the attempt starts). Every step that waits (building a multipart
//! body, a request slot, the exchange) runs under [`bounded`], which arms a
//! single timer for whichever limit comes first, and says which one it was
//! ([`Passed`]) so that the error names the right limit.
//!
//! [`Config::with_operation_timeout`]: crate::Config::with_operation_timeout
//! [`Config::with_timeout`]: crate::Config::with_timeout

use std::future::Future;
use std::time::{Duration, Instant};

use super::Client;
use crate::error::{CallContext, Error, TimeoutKind};

/// The operation's deadline and the limit it came from.
#[derive(Clone, Copy)]
pub(super) struct Deadline {
    pub(super) at: Instant,
    pub(super) limit: Duration,
}

impl Deadline {
    /// The deadline `limit` from now; none for no limit, or a limit too large
    /// to add to the clock (which is no deadline at all).
    pub(super) fn from_now(limit: Option<Duration>) -> Option<Self> {
        let limit = limit?;
        Some(Deadline {
            at: Instant::now().checked_add(limit)?,
            limit,
        })
    }
}

/// Which limit a bounded step ran into.
#[derive(Clone, Copy)]
pub(super) enum Passed {
    Attempt,
    Operation(Deadline),
}

/// Runs `step` until `attempt_limit` from now or the operation deadline,
/// whichever comes first (one timer; none when neither is set). A plain
/// future, not an `async fn`: no state machine of its own around `step`.
pub(super) fn bounded<F: Future>(
    step: F,
    attempt_limit: Option<Duration>,
    deadline: Option<Deadline>,
) -> impl Future<Output = Result<F::Output, Passed>> {
    use futures_util::future::{Either, FutureExt as _};
    let attempt_at = attempt_limit.and_then(|limit| Instant::now().checked_add(limit));
    let limit = match (attempt_at, deadline) {
        (Some(attempt), Some(operation)) if operation.at <= attempt => {
            Some((operation.at, Passed::Operation(operation)))
        }
        (Some(attempt), _) => Some((attempt, Passed::Attempt)),
        (None, Some(operation)) => Some((operation.at, Passed::Operation(operation))),
        (None, None) => None,
    };
    match limit {
        Some((at, passed)) => Either::Left(
            tokio::time::timeout_at(at.into(), step).map(move |result| result.map_err(|_| passed)),
        ),
        None => Either::Right(step.map(Ok)),
    }
}

impl Client {
    /// The error of a step that ran into a time limit.
    pub(super) fn timeout_error(&self, context: CallContext, passed: Passed) -> Error {
        match passed {
            Passed::Attempt => Error::Timeout {
                context,
                kind: TimeoutKind::Attempt,
                limit: Some(self.attempt_timeout()),
            },
            Passed::Operation(deadline) => {
                tracing::debug!(
                    operation = context.operation,
                    limit_ms = deadline.limit.as_millis() as u64,
                    "kdocs call hit its operation timeout"
                );
                Error::Timeout {
                    context,
                    kind: TimeoutKind::Operation,
                    limit: Some(deadline.limit),
                }
            }
        }
    }
}
