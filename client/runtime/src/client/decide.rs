//! Phase four, after a failed attempt: what the call does next, decided by
//! two pure functions.
//!
//! Each takes the facts it needs as a plain struct and returns an enum; it
//! reads no clock, touches no shared state and sends nothing (the one
//! random draw, the backoff's jitter, comes from a generator the caller
//! passes). So each is tested by a table of cases, and the loop in
//! [`call`](super::call) only applies what they return:
//!
//! - [`decide_clock`]: does the refusal show the signing clock is off?
//!   [`ClockDecision::Keep`], [`ClockDecision::Correct`] (adopt an offset,
//!   and send again at once when the call may be sent twice), or
//!   [`ClockDecision::ReportSkew`] (too far to correct: say so on the error);
//! - [`decide_retry`]: [`RetryDecision::RetryAfter`] a delay, or
//!   [`RetryDecision::Fail`] with the reason ([`Stop`]).
//!
//! The clock comes first: a corrected clock resends without counting an
//! attempt (the refused attempt never reached the service's checks of the
//! call itself); a call that may not be resent goes on to the retry
//! decision with its error, like any other failure.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, TimeoutKind};
use crate::request::{Method, OperationSpec};
use crate::retry::RetryPolicy;

/// A kdocs refusal whose `Date` is further than this from the signing time
/// is taken as clock skew.
pub(super) const SKEW_THRESHOLD_SECS: i64 = 5 * 60;

/// What [`decide_clock`] looks at.
#[derive(Clone, Copy, Debug)]
pub(super) struct ClockFacts {
    /// Whether this failure may teach the clock anything at all: the request
    /// was signed (only a signed request has a `Date` to refuse), correction
    /// is switched on ([`Config::with_clock_skew_correction`]) and this call
    /// has not corrected it yet (once per call).
    ///
    /// [`Config::with_clock_skew_correction`]: crate::Config::with_clock_skew_correction
    pub(super) may_correct: bool,
    /// The HTTP status, when the failure is a kdocs error envelope; `None`
    /// for anything else (a gateway's page, a transport error).
    pub(super) envelope_status: Option<u16>,
    /// The answer's `Date`.
    pub(super) server_date: Option<SystemTime>,
    /// When the refused attempt was signed.
    pub(super) signed_at: SystemTime,
    /// The signing clock's offset from the local clock now, in seconds.
    pub(super) offset_secs: i64,
    /// [`Config::with_max_clock_correction`]: the largest total offset.
    ///
    /// [`Config::with_max_clock_correction`]: crate::Config::with_max_clock_correction
    pub(super) max_correction: Duration,
    /// Whether the call may be sent twice ([`is_repeatable`]).
    pub(super) repeatable: bool,
}

/// What a failed attempt says about the signing clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ClockDecision {
    /// Nothing to learn.
    Keep,
    /// Adopt `offset_secs` as the signing clock's offset; when `resend`, sign
    /// again and send at once.
    Correct { offset_secs: i64, resend: bool },
    /// The service's clock is `difference_secs` from the signature's, beyond
    /// the bound: the clock is left alone and the error says so.
    ReportSkew { difference_secs: i64 },
}

/// What the refusal in `facts` says about the signing clock.
///
/// Only a refusal in a kdocs envelope (HTTP 401 or 403) counts: a gateway's
/// page or a redirect says nothing about the service's clock. No error code
/// is needed: the public pages document none for a refused `Date`. The
/// offset is learnt when the answer's `Date` is more than
/// [`SKEW_THRESHOLD_SECS`] from the signing time. The bound holds for the
/// signing clock's total offset from the local clock, not for one
/// correction: a server whose every `Date` is a day ahead of the last
/// signature cannot walk the clock away.
pub(super) fn decide_clock(facts: &ClockFacts) -> ClockDecision {
    let (true, Some(401 | 403), Some(server_date)) =
        (facts.may_correct, facts.envelope_status, facts.server_date)
    else {
        return ClockDecision::Keep;
    };
    let difference = unix_secs(server_date).saturating_sub(unix_secs(facts.signed_at));
    if difference.unsigned_abs() <= SKEW_THRESHOLD_SECS.unsigned_abs() {
        return ClockDecision::Keep;
    }
    let offset = facts.offset_secs.saturating_add(difference);
    if offset.unsigned_abs() > facts.max_correction.as_secs() {
        return ClockDecision::ReportSkew {
            difference_secs: difference,
        };
    }
    ClockDecision::Correct {
        offset_secs: offset,
        resend: facts.repeatable,
    }
}

/// What [`decide_retry`] looks at.
#[derive(Clone, Copy, Debug)]
pub(super) struct RetryFacts {
    /// The number of the attempt that failed (1 for the first).
    pub(super) attempt: u32,
    pub(super) policy: RetryPolicy,
    /// Whether the failure is transient ([`Error::is_retryable`]).
    pub(super) transient: bool,
    /// Whether the call may be sent twice ([`is_repeatable`]).
    pub(super) repeatable: bool,
    /// Whether the request never left: no connection was made ([`never_sent`]).
    pub(super) never_sent: bool,
    /// The answer's `Retry-After`, in seconds.
    pub(super) retry_after: Option<u64>,
    pub(super) now: Instant,
    /// The operation's deadline.
    pub(super) deadline: Option<Instant>,
}

/// What the call does after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RetryDecision {
    /// Wait this long, then send the next attempt.
    RetryAfter(Duration),
    /// End the call with the attempt's error.
    Fail(Stop),
}

/// Why a call ends with its last error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// The policy's attempts are used up.
    AttemptsUsed,
    /// The failure is not transient: sending again would fail again.
    NotTransient,
    /// The call may be sent only once, and this one may have reached the
    /// service.
    MaySendOnce,
    /// The service asked to wait this many seconds, longer than the policy
    /// waits ([`RetryPolicy::with_max_retry_after`]).
    RetryAfterTooLong(u64),
    /// The next attempt could not start before the operation's deadline.
    PastDeadline,
}

/// Whether, and after how long, the call in `facts` is sent again. The
/// wait is the policy's ([`RetryPolicy`]: `Retry-After` when given, else
/// full jitter drawn from `rng`); no wait is started that ends at or past the
/// deadline.
pub(super) fn decide_retry(facts: &RetryFacts, rng: &mut fastrand::Rng) -> RetryDecision {
    if facts.attempt >= facts.policy.max_attempts() {
        return RetryDecision::Fail(Stop::AttemptsUsed);
    }
    if !facts.transient {
        return RetryDecision::Fail(Stop::NotTransient);
    }
    // A call that may not be repeated is sent again only when nothing left.
    if !facts.repeatable && !facts.never_sent {
        return RetryDecision::Fail(Stop::MaySendOnce);
    }
    let Some(delay) = facts.policy.delay(facts.attempt, facts.retry_after, rng) else {
        return RetryDecision::Fail(Stop::RetryAfterTooLong(
            facts.retry_after.unwrap_or_default(),
        ));
    };
    let wake = facts.now.checked_add(delay);
    if facts
        .deadline
        .is_some_and(|deadline| wake.is_none_or(|wake| wake >= deadline))
    {
        return RetryDecision::Fail(Stop::PastDeadline);
    }
    RetryDecision::RetryAfter(delay)
}

/// Whether the call may be sent twice: GET and DELETE, and what the spec marks
/// idempotent.
pub(super) fn is_repeatable(spec: &OperationSpec) -> bool {
    matches!(spec.method, Method::Get | Method::Delete) || spec.idempotent
}

/// Whether `error` shows that the request never left: the connection could
/// not be opened.
pub(super) fn never_sent(error: &Error) -> bool {
    match error {
        Error::Transport { source, .. } => source.is_connect(),
        Error::Timeout { kind, .. } => *kind == TimeoutKind::Connect,
        _ => false,
    }
}

/// Seconds since the Unix epoch (negative before it).
pub(super) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// `t` moved by `secs` seconds (left as it is where it cannot move).
pub(super) fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        t.checked_add(by).unwrap_or(t)
    } else {
        t.checked_sub(by).unwrap_or(t)
    }
}

#[cfg(test)]
// The decision tables are long because they list every case, one per row.
#[allow(clippy::too_many_lines)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600;

    /// One row of [`decide_clock`]'s table: the facts that vary, around a
    /// refusal signed at a fixed time, and the decision.
    struct ClockCase {
        what: &'static str,
        may_correct: bool,
        envelope_status: Option<u16>,
        /// The answer's `Date`, in seconds from the signing time.
        server_ahead: Option<i64>,
        offset_secs: i64,
        max_correction_secs: i64,
        repeatable: bool,
        expected: ClockDecision,
    }

    #[test]
    fn clock_decisions() {
        use ClockDecision::{Correct, Keep, ReportSkew};
        let case = |what, envelope_status, server_ahead, expected| ClockCase {
            what,
            may_correct: true,
            envelope_status,
            server_ahead,
            offset_secs: 0,
            max_correction_secs: DAY,
            repeatable: true,
            expected,
        };
        let resend = |offset_secs| Correct {
            offset_secs,
            resend: true,
        };
        let y2001_from_signature = 978_307_200 - 1_700_000_000;
        let cases = [
            case("a 403 an hour ahead", Some(403), Some(3600), resend(3600)),
            case(
                "a 401 an hour behind",
                Some(401),
                Some(-3600),
                resend(-3600),
            ),
            case("five minutes is not skew", Some(403), Some(300), Keep),
            case("nor five minutes behind", Some(403), Some(-300), Keep),
            case(
                "a second past the threshold",
                Some(403),
                Some(301),
                resend(301),
            ),
            case("another status", Some(400), Some(3600), Keep),
            case("a 500 envelope", Some(500), Some(3600), Keep),
            case("no Date", Some(403), None, Keep),
            case("not a kdocs envelope", None, Some(3600), Keep),
            case(
                "beyond the bound (a Date in 2001)",
                Some(403),
                Some(y2001_from_signature),
                ReportSkew {
                    difference_secs: y2001_from_signature,
                },
            ),
            ClockCase {
                may_correct: false,
                ..case(
                    "already corrected, unsigned or switched off",
                    Some(403),
                    Some(3600),
                    Keep,
                )
            },
            ClockCase {
                repeatable: false,
                ..case(
                    "a call sent only once is corrected, not resent",
                    Some(403),
                    Some(3600),
                    Correct {
                        offset_secs: 3600,
                        resend: false,
                    },
                )
            },
            ClockCase {
                max_correction_secs: 600,
                ..case(
                    "just past a tight bound",
                    Some(403),
                    Some(601),
                    ReportSkew {
                        difference_secs: 601,
                    },
                )
            },
            ClockCase {
                max_correction_secs: 600,
                ..case("at a tight bound", Some(403), Some(600), resend(600))
            },
            ClockCase {
                offset_secs: 23 * 3600,
                ..case(
                    "the bound holds for the total offset",
                    Some(403),
                    Some(23 * 3600),
                    ReportSkew {
                        difference_secs: 23 * 3600,
                    },
                )
            },
            ClockCase {
                offset_secs: 23 * 3600,
                ..case(
                    "back towards the local clock",
                    Some(403),
                    Some(-23 * 3600),
                    resend(0),
                )
            },
            ClockCase {
                offset_secs: i64::MAX,
                ..case(
                    "an offset that would overflow",
                    Some(403),
                    Some(3600),
                    ReportSkew {
                        difference_secs: 3600,
                    },
                )
            },
        ];
        let signed_at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for c in cases {
            let facts = ClockFacts {
                may_correct: c.may_correct,
                envelope_status: c.envelope_status,
                server_date: c.server_ahead.map(|secs| shift(signed_at, secs)),
                signed_at,
                offset_secs: c.offset_secs,
                max_correction: Duration::from_secs(c.max_correction_secs as u64),
                repeatable: c.repeatable,
            };
            assert_eq!(decide_clock(&facts), c.expected, "{}", c.what);
        }
    }

    /// One row of [`decide_retry`]'s table. The policy has no backoff, so
    /// that a retry's delay is exact: `Retry-After` when given, else zero.
    struct RetryCase {
        what: &'static str,
        attempt: u32,
        max_attempts: u32,
        transient: bool,
        repeatable: bool,
        never_sent: bool,
        retry_after: Option<u64>,
        /// The operation's deadline, from now.
        deadline_in: Option<Duration>,
        expected: RetryDecision,
    }

    #[test]
    fn retry_decisions() {
        use RetryDecision::{Fail, RetryAfter};
        let case = |what, expected| RetryCase {
            what,
            attempt: 1,
            max_attempts: 3,
            transient: true,
            repeatable: true,
            never_sent: false,
            retry_after: None,
            deadline_in: None,
            expected,
        };
        let secs = Duration::from_secs;
        let cases = [
            case("a transient failure of a GET", RetryAfter(Duration::ZERO)),
            RetryCase {
                attempt: 2,
                ..case("the second of three", RetryAfter(Duration::ZERO))
            },
            RetryCase {
                attempt: 3,
                ..case("the last attempt", Fail(Stop::AttemptsUsed))
            },
            RetryCase {
                max_attempts: 1,
                ..case("a policy of one attempt", Fail(Stop::AttemptsUsed))
            },
            RetryCase {
                attempt: 3,
                transient: false,
                ..case("attempts are counted first", Fail(Stop::AttemptsUsed))
            },
            RetryCase {
                transient: false,
                ..case("a failure that is not transient", Fail(Stop::NotTransient))
            },
            RetryCase {
                repeatable: false,
                ..case("a POST that may have arrived", Fail(Stop::MaySendOnce))
            },
            RetryCase {
                repeatable: false,
                never_sent: true,
                ..case("a POST that never left", RetryAfter(Duration::ZERO))
            },
            RetryCase {
                retry_after: Some(7),
                ..case("Retry-After within the policy", RetryAfter(secs(7)))
            },
            RetryCase {
                retry_after: Some(30),
                ..case("Retry-After at the policy's limit", RetryAfter(secs(30)))
            },
            RetryCase {
                retry_after: Some(31),
                ..case(
                    "Retry-After past the limit",
                    Fail(Stop::RetryAfterTooLong(31)),
                )
            },
            RetryCase {
                retry_after: Some(7),
                deadline_in: Some(secs(8)),
                ..case("a wait that ends before the deadline", RetryAfter(secs(7)))
            },
            RetryCase {
                retry_after: Some(7),
                deadline_in: Some(secs(7)),
                ..case("a wait that ends at the deadline", Fail(Stop::PastDeadline))
            },
            RetryCase {
                retry_after: Some(7),
                deadline_in: Some(secs(5)),
                ..case("a wait past the deadline", Fail(Stop::PastDeadline))
            },
            RetryCase {
                deadline_in: Some(Duration::ZERO),
                ..case(
                    "no wait is shorter than a deadline already here",
                    Fail(Stop::PastDeadline),
                )
            },
        ];
        let policy = |max_attempts| {
            RetryPolicy::new()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::ZERO)
        };
        let now = Instant::now();
        for c in cases {
            let facts = RetryFacts {
                attempt: c.attempt,
                policy: policy(c.max_attempts),
                transient: c.transient,
                repeatable: c.repeatable,
                never_sent: c.never_sent,
                retry_after: c.retry_after,
                now,
                deadline: c.deadline_in.map(|d| now + d),
            };
            let decision = decide_retry(&facts, &mut fastrand::Rng::with_seed(7));
            assert_eq!(decision, c.expected, "{}", c.what);
        }
    }

    /// The backoff is the policy's jitter, drawn from the generator given:
    /// the same seed, the same delay, within the ceiling.
    #[test]
    fn the_backoff_is_the_policys_draw() {
        let now = Instant::now();
        let facts = RetryFacts {
            attempt: 2,
            policy: RetryPolicy::new(),
            transient: true,
            repeatable: true,
            never_sent: false,
            retry_after: None,
            now,
            deadline: None,
        };
        for seed in 0..100 {
            let expected = RetryPolicy::new()
                .delay(2, None, &mut fastrand::Rng::with_seed(seed))
                .unwrap();
            assert!(expected <= Duration::from_millis(200));
            assert_eq!(
                decide_retry(&facts, &mut fastrand::Rng::with_seed(seed)),
                RetryDecision::RetryAfter(expected)
            );
        }
    }

    #[test]
    fn clock_shift_both_ways() {
        let t = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(unix_secs(shift(t, 600)), 1600);
        assert_eq!(unix_secs(shift(t, -600)), 400);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }
}
