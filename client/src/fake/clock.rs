//! The fake server's adjustable clock.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The clock the fake server uses for token expiry, signature `Date` checks and
/// the per-day rate-limit window.
///
/// A new clock follows real time. [`FakeClock::set`] and [`FakeClock::advance`]
/// shift it by an offset; after that it keeps ticking at real speed from the
/// shifted point (it is not frozen). [`FakeClock::reset`] goes back to real time.
///
/// Cloning gives another handle to the same clock, so code under test can read
/// the same fake time as the server (for example to sign requests with a `Date`
/// the server accepts after the clock was moved).
#[derive(Clone, Debug, Default)]
pub struct FakeClock {
    /// Offset from real time in nanoseconds (may be negative).
    offset_nanos: Arc<Mutex<i128>>,
}

fn nanos_since_epoch(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

fn from_nanos(n: i128) -> SystemTime {
    if n >= 0 {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        UNIX_EPOCH + Duration::from_nanos(n)
    } else {
        let n = u64::try_from(-n).unwrap_or(u64::MAX);
        UNIX_EPOCH
            .checked_sub(Duration::from_nanos(n))
            .unwrap_or(UNIX_EPOCH)
    }
}

impl FakeClock {
    /// A clock that follows real time.
    pub fn new() -> FakeClock {
        FakeClock::default()
    }

    fn offset(&self) -> i128 {
        *self
            .offset_nanos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The current fake time.
    pub fn now(&self) -> SystemTime {
        from_nanos(nanos_since_epoch(SystemTime::now()) + self.offset())
    }

    /// The current fake time in whole seconds since the Unix epoch (0 before the epoch).
    pub fn unix_now(&self) -> u64 {
        unix_secs(self.now())
    }

    /// Jumps to `time`; the clock keeps running from there.
    pub fn set(&self, time: SystemTime) {
        let offset = nanos_since_epoch(time) - nanos_since_epoch(SystemTime::now());
        *self
            .offset_nanos
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = offset;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self
            .offset_nanos
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += by.as_nanos() as i128;
    }

    /// Goes back to following real time.
    pub fn reset(&self) {
        *self
            .offset_nanos
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = 0;
    }
}

/// Whole seconds since the Unix epoch, 0 for earlier times.
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
