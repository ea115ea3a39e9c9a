//! When and how long to wait before repeating a failed call.
//!
//! [`RetryPolicy`] is part of [`Config`](super::Config). The client retries a
//! call only when both hold:
//!
//! - the failure is transient ([`Error::is_retryable`](super::Error::is_retryable)):
//!   a connection error, a connect or per-attempt timeout, HTTP 429, 502, 503 or
//!   504, or an error envelope whose code the `api-spec/errors.yaml` table marks
//!   `retryable`;
//! - repeating the call is safe: GET and DELETE always, other methods only when
//!   the spec marks the endpoint `idempotent`. A non-idempotent call is repeated
//!   only when the connection could not be opened at all (nothing was sent).
//!
//! The wait before retry `n` (1-based) is "full jitter": a uniformly random
//! duration in `0..=min(max_backoff, initial_backoff * 2^(n-1))`. A `Retry-After`
//! header (seconds) replaces it; a `Retry-After` longer than
//! [`RetryPolicy::with_max_retry_after`] ends the retries instead (the service
//! asked for a pause longer than the caller wants to wait). No wait goes past
//! the operation deadline ([`Config::with_operation_timeout`](super::Config::with_operation_timeout)):
//! when the next attempt could not start in time, the last error is returned.

use std::time::Duration;

/// How often and how patiently a call is repeated. See the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// use kdocs_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(50))
///     .with_max_backoff(Duration::from_secs(2));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// The defaults: 3 attempts, backoff from 100 ms doubling up to 5 s (full
    /// jitter), `Retry-After` honoured up to 30 s.
    pub const fn new() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }

    /// A single attempt: never retry.
    pub const fn none() -> Self {
        Self::new().with_max_attempts(1)
    }

    /// How many times a call is sent at most, the first attempt included
    /// (at least 1; 0 counts as 1).
    pub const fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The backoff ceiling before the first retry; it doubles for each further retry.
    pub const fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff ceiling.
    pub const fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the
    /// retries and the call fails with the service's error.
    pub const fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// How many times a call is sent at most.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff ceiling before the first retry.
    pub const fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest backoff ceiling.
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` honoured.
    pub const fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff ceiling before retry `retry` (1-based): `initial * 2^(retry-1)`, capped.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let shift = retry.saturating_sub(1).min(31);
        self.initial_backoff
            .checked_mul(1u32 << shift)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The wait before retry `retry`: `Retry-After` when given (`None` when it
    /// is over the limit: do not retry), else full jitter drawn from `rng`
    /// (the client passes a generator seeded from fastrand's per-thread one;
    /// jitter needs spread, not unpredictability).
    pub(crate) fn delay(
        &self,
        retry: u32,
        retry_after: Option<u64>,
        rng: &mut fastrand::Rng,
    ) -> Option<Duration> {
        if let Some(seconds) = retry_after {
            let wait = Duration::from_secs(seconds);
            return (wait <= self.max_retry_after).then_some(wait);
        }
        // Nanoseconds in a u64 last 584 years; `max_backoff` caps the ceiling.
        let ceiling = u64::try_from(self.ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(rng.u64(0..=ceiling)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_and_cap() {
        let p = RetryPolicy::new()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        let ceilings: Vec<_> = (1..=6).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.ceiling(200), Duration::from_secs(1));
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling_and_spreads() {
        let p = RetryPolicy::new();
        let mut rng = fastrand::Rng::with_seed(13);
        let delays: Vec<_> = (0..1000)
            .map(|_| p.delay(3, None, &mut rng).unwrap())
            .collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(400)));
        let low = delays
            .iter()
            .filter(|d| **d < Duration::from_millis(200))
            .count();
        assert!((300..700).contains(&low), "{low} of 1000 below half");
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = RetryPolicy::new().with_max_retry_after(Duration::from_secs(10));
        let rng = &mut fastrand::Rng::with_seed(13);
        assert_eq!(p.delay(1, Some(3), rng), Some(Duration::from_secs(3)));
        assert_eq!(p.delay(1, Some(10), rng), Some(Duration::from_secs(10)));
        assert_eq!(p.delay(1, Some(86_400), rng), None);
    }

    #[test]
    fn a_zero_ceiling_waits_not_at_all() {
        let p = RetryPolicy::new().with_initial_backoff(Duration::ZERO);
        let rng = &mut fastrand::Rng::with_seed(13);
        assert_eq!(p.delay(1, None, rng), Some(Duration::ZERO));
        assert_eq!(p.delay(4, None, rng), Some(Duration::ZERO));
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryPolicy::new().with_max_attempts(0).max_attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(), 3);
    }
}
