//! Where sessions read the current time: [`TimeSource`].

use std::time::SystemTime;

/// Where a session reads the current time.
///
/// Implemented by [`SystemClock`] and by every `Fn() -> SystemTime + Send + Sync`,
/// so a test can follow a fake server's clock:
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use kdocs_runtime::time::TimeSource;
///
/// let ahead = || SystemTime::now() + Duration::from_secs(3600);
/// assert!(ahead.now() > SystemTime::now());
/// ```
pub trait TimeSource: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

impl<F> TimeSource for F
where
    F: Fn() -> SystemTime + Send + Sync + 'static,
{
    fn now(&self) -> SystemTime {
        self()
    }
}

/// The system clock ([`SystemTime::now`]), the default [`TimeSource`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
