//! A token that refreshes itself: [`TokenCell`].
//!
//! Both sessions of the client (the user's OAuth access token and the
//! anonymous preview token) hand out a token that expires, and refresh it
//! shortly before. The cell is that behaviour, written once; a session gives
//! it the current token and *how* to refresh ([`Refresh`], an async closure),
//! and the cell decides *when*, and who waits for whom:
//!
//! - **one refresh per expiry episode.** The first caller that finds the
//!   token due starts a refresh; every caller that comes while it runs waits
//!   for it and gets its outcome, a failure as much as a new token. Ten
//!   callers of a due token whose refresh answers HTTP 500 send one request
//!   and get ten copies of one error;
//! - **a backoff after a failure.** The failure is kept: until the backoff
//!   ends ([`RefreshPolicy::backoff`], 5 s the first time, doubling with each
//!   failure in a row up to [`RefreshPolicy::max_backoff`], 1 minute), a
//!   caller of a due token gets that error at once, without a request. A
//!   forced refresh ([`TokenCell::refresh`]) is not held back;
//! - **a margin that fits the lifetime.** A token is due within
//!   [`RefreshPolicy::margin`] (5 minutes) of its expiry, but never more than
//!   half its lifetime before it: a token that lives one second is used for
//!   half a second, not refreshed on every call;
//! - **cancellation-safe.** The refresh runs on a task of its own (on the
//!   current tokio runtime), so a caller that gives up, its future dropped,
//!   neither cancels it nor leaves the others waiting for nothing. A refresh
//!   that panics, that is dropped (the runtime shutting down) or that outlasts
//!   [`RefreshPolicy::refresh_timeout`] ends its episode with
//!   [`TokenError::Aborted`] for every waiter, and counts as a failure;
//! - **the session's clock.** Expiry and backoff are read from a
//!   [`TimeSource`], so tests move time instead of waiting for it (only the
//!   refresh timeout, a safety net, runs on the runtime's timer).
//!
//! A refresh ends in an [`Outcome`]: a new token ([`Outcome::Refreshed`]),
//! a failure worth trying again after the backoff ([`Outcome::Failed`]), or
//! the end of the token ([`Outcome::Ended`]: revoked, cancelled), after which
//! every call gets that error and nothing is sent again. The cell never shows
//! the token: its `Debug` says how the token stands, not what it is.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use kdocs_runtime::time::SystemClock;
//! use kdocs_runtime::token::{Expiry, Issued, Outcome, RefreshPolicy, TokenCell};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // A token that expired a minute ago, and a refresh that gives a new one.
//! let expired = Expiry::at(SystemTime::now() - Duration::from_secs(60), None);
//! let cell: TokenCell<String, String> = TokenCell::new(
//!     Issued::new("old".to_owned(), expired),
//!     RefreshPolicy::new(),
//!     Arc::new(SystemClock),
//!     |_current: Issued<String>| async move {
//!         // The session's call to its refresh endpoint goes here.
//!         Outcome::Refreshed(Issued::new(
//!             "new".to_owned(),
//!             Expiry::after(SystemTime::now(), Duration::from_secs(3600)),
//!         ))
//!     },
//! );
//! assert_eq!(cell.get().await.unwrap(), "new");
//! assert_eq!(cell.get().await.unwrap(), "new"); // fresh now: no refresh
//! assert_eq!(cell.episodes(), 1);
//! # }
//! ```
//!
//! # State
//!
//! What a call does is decided by [`decide`] from four facts (has the token
//! ended, is a refresh under way, is the token due, is a backoff running),
//! and what an episode leaves behind by [`Record::settle`]; both are pure and
//! tested table by table. The rest of the cell only holds the lock, starts
//! the task and passes the outcome on.
//!
//! # Where a shared store fits
//!
//! The cell keeps the token in memory, for one process. A store shared by
//! several processes (compare-and-swap of the token, a lease on the refresh)
//! fits inside the [`Refresh`] a session gives: it reads the stored token
//! first and answers [`Outcome::Refreshed`] with it when another process
//! refreshed already, or takes the lease, refreshes and stores. The cell's
//! rules (one episode at a time in this process, the backoff, the margin)
//! stay as they are.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::{oneshot, watch};

use crate::time::TimeSource;

/// How long before expiry a token is refreshed, at most (5 minutes).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The backoff after a first failed refresh (5 seconds).
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);

/// The longest backoff, however many refreshes failed in a row (1 minute).
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How long a refresh may run before the cell gives up on it (150 seconds).
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(150);

/// When the cell refreshes, and how it waits after a failure.
///
/// The defaults, and why:
///
/// - margin 5 minutes ([`DEFAULT_REFRESH_MARGIN`]), at most half the token's
///   lifetime: room for a refresh and a few retries before the token
///   expires; the half keeps a short-lived token in use for half its life;
/// - backoff 5 s, doubling, at most 1 minute ([`DEFAULT_BACKOFF`],
///   [`DEFAULT_MAX_BACKOFF`]): each call of the client already retries
///   transient failures for a few seconds (up to 5 s apart), so a refresh
///   that still failed is not sent again by the next caller at once; 5 s
///   doubling gives about eight tries within a 5-minute margin, and a
///   recovered server is noticed within a minute;
/// - refresh timeout 150 s ([`DEFAULT_REFRESH_TIMEOUT`]): past the client's
///   own 2-minute bound on an operation with its retries, so that bound,
///   with its better error, normally ends a hung refresh first; this one
///   holds when a refresh does not go through such a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    margin: Duration,
    backoff: Duration,
    max_backoff: Duration,
    refresh_timeout: Option<Duration>,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            margin: DEFAULT_REFRESH_MARGIN,
            backoff: DEFAULT_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            refresh_timeout: Some(DEFAULT_REFRESH_TIMEOUT),
        }
    }
}

impl RefreshPolicy {
    /// The defaults (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Refresh within `margin` of expiry (at most half the token's lifetime).
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The backoff after a first failure, and the longest one (`max` is
    /// raised to `first` when smaller).
    pub fn with_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// How long a refresh may run (`None`: as long as it takes).
    pub fn with_refresh_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.refresh_timeout = timeout.into();
        self
    }

    /// The refresh margin.
    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// The backoff after a first failure.
    pub fn backoff(&self) -> Duration {
        self.backoff
    }

    /// The longest backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// How long a refresh may run.
    pub fn refresh_timeout(&self) -> Option<Duration> {
        self.refresh_timeout
    }

    /// The margin for a token of `lifetime`: the margin, at most half the
    /// lifetime.
    pub fn margin_for(&self, lifetime: Option<Duration>) -> Duration {
        match lifetime {
            Some(lifetime) => self.margin.min(lifetime / 2),
            None => self.margin,
        }
    }

    /// The backoff after `failures` failed refreshes in a row (1 or more).
    pub fn backoff_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }
}

/// When a token expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Not known, and not looked for: the token is handed out until a refresh
    /// is forced (a user token whose answer gave no `expires_in`).
    Manual,
    /// Not known yet: the first call refreshes the token, which tells the
    /// expiry (an anonymous token given without its expiry).
    Unknown,
    /// At `at`; `lifetime`, when known, is how long the token was valid when
    /// issued, which bounds the margin.
    At {
        /// The expiry.
        at: SystemTime,
        /// The token's whole lifetime.
        lifetime: Option<Duration>,
    },
}

impl Expiry {
    /// Expiring at `at`, of `lifetime` when known.
    pub fn at(at: SystemTime, lifetime: Option<Duration>) -> Expiry {
        Expiry::At { at, lifetime }
    }

    /// Issued at `now` for `lifetime`.
    pub fn after(now: SystemTime, lifetime: Duration) -> Expiry {
        match now.checked_add(lifetime) {
            Some(at) => Expiry::At {
                at,
                lifetime: Some(lifetime),
            },
            None => Expiry::Manual,
        }
    }

    /// The expiry time, when known.
    pub fn time(&self) -> Option<SystemTime> {
        match self {
            Expiry::At { at, .. } => Some(*at),
            Expiry::Manual | Expiry::Unknown => None,
        }
    }

    /// Whether a token of this expiry is due for a refresh at `now` under
    /// `policy`: within the margin of its expiry (or past it), or of unknown
    /// expiry.
    pub fn is_due(&self, now: SystemTime, policy: &RefreshPolicy) -> bool {
        match self {
            Expiry::Manual => false,
            Expiry::Unknown => true,
            Expiry::At { at, lifetime } => at
                .duration_since(now)
                .map_or(true, |left| left <= policy.margin_for(*lifetime)),
        }
    }
}

/// A token and its expiry.
#[derive(Clone)]
pub struct Issued<T> {
    /// The token (whatever the session keeps: the access and refresh tokens,
    /// an anonymous token and its `expire_at`).
    pub value: T,
    /// When it expires.
    pub expiry: Expiry,
}

impl<T> Issued<T> {
    /// `value`, expiring as `expiry` says.
    pub fn new(value: T, expiry: Expiry) -> Self {
        Issued { value, expiry }
    }
}

impl<T> fmt::Debug for Issued<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

/// How a refresh ended.
pub enum Outcome<T, E> {
    /// A new token.
    Refreshed(Issued<T>),
    /// The refresh failed; the token is kept, and the error is shared with
    /// every waiter and kept for the backoff.
    Failed(E),
    /// The token can never be refreshed again (revoked, cancelled): every
    /// later call gets this error, and no refresh is sent again.
    Ended(E),
}

impl<T, E: fmt::Debug> fmt::Debug for Outcome<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Refreshed(issued) => f.debug_tuple("Refreshed").field(issued).finish(),
            Outcome::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            Outcome::Ended(e) => f.debug_tuple("Ended").field(e).finish(),
        }
    }
}

/// Why a refresh ended without an [`Outcome`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aborted {
    /// The refresh panicked.
    Panicked,
    /// The refresh was dropped before it finished: the tokio runtime shut
    /// down.
    Dropped,
    /// The refresh ran longer than [`RefreshPolicy::refresh_timeout`].
    TimedOut(Duration),
}

impl fmt::Display for Aborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aborted::Panicked => f.write_str("the refresh panicked"),
            Aborted::Dropped => f.write_str(
                "the refresh was dropped before it finished (is the tokio runtime shutting down?)",
            ),
            Aborted::TimedOut(limit) => write!(f, "the refresh ran longer than {limit:?}"),
        }
    }
}

impl std::error::Error for Aborted {}

/// Why a [`TokenCell`] gave no token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError<E> {
    /// The refresh of this episode failed, or one failed lately and its
    /// backoff is running.
    Failed(E),
    /// The token ended ([`Outcome::Ended`]).
    Ended(E),
    /// The refresh ended without an outcome (also kept for the backoff).
    Aborted(Aborted),
}

impl<E: fmt::Display> fmt::Display for TokenError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Failed(e) | TokenError::Ended(e) => e.fmt(f),
            TokenError::Aborted(a) => a.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for TokenError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenError::Failed(e) | TokenError::Ended(e) => Some(e),
            TokenError::Aborted(a) => Some(a),
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// How a session refreshes its token: given the current one, the outcome.
///
/// Implemented by every `Fn(Issued<T>) -> impl Future<Output = Outcome<T, E>>`
/// that is `Send + Sync + 'static` (the future `Send + 'static`: it runs on a
/// task of its own).
pub trait Refresh<T, E>: Send + Sync + 'static {
    /// Refreshes `current`.
    fn refresh(&self, current: Issued<T>) -> Pin<Box<dyn Future<Output = Outcome<T, E>> + Send>>;
}

impl<T, E, F, Fut> Refresh<T, E> for F
where
    F: Fn(Issued<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome<T, E>> + Send + 'static,
{
    fn refresh(&self, current: Issued<T>) -> Pin<Box<dyn Future<Output = Outcome<T, E>> + Send>> {
        Box::pin(self(current))
    }
}

// ---- the state, and its pure transitions -----------------------------------

/// What a caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// A valid token: the current one, or a refreshed one when it is due.
    Current,
    /// A new token, whatever the current one's expiry and the backoff.
    Forced,
}

/// The facts a call is decided on (see [`decide`]).
#[derive(Clone, Copy, Debug)]
pub struct View<'a, E> {
    /// The token ended, with this error.
    pub ended: Option<&'a E>,
    /// A refresh (or an exclusive operation) is under way.
    pub in_flight: bool,
    /// The token is due for a refresh.
    pub due: bool,
    /// A backoff is running, after this failure.
    pub backing_off: Option<&'a TokenError<E>>,
}

/// What a call does (see [`decide`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision<E> {
    /// Hand out the current token.
    Hand,
    /// Give this error, without a request.
    Refuse(TokenError<E>),
    /// Wait for the refresh under way, and take its outcome.
    Join,
    /// Start a refresh.
    Start,
}

/// What a call that wants `want` does, given `view`.
///
/// | ended | in flight | want    | due | backing off | decision       |
/// |-------|-----------|---------|-----|-------------|----------------|
/// | yes   | any       | any     | any | any         | refuse (ended) |
/// | no    | yes       | any     | any | any         | join           |
/// | no    | no        | forced  | any | any         | start          |
/// | no    | no        | current | no  | any         | hand           |
/// | no    | no        | current | yes | yes         | refuse (kept)  |
/// | no    | no        | current | yes | no          | start          |
pub fn decide<E: Clone>(view: View<'_, E>, want: Want) -> Decision<E> {
    if let Some(ended) = view.ended {
        return Decision::Refuse(TokenError::Ended(ended.clone()));
    }
    if view.in_flight {
        return Decision::Join;
    }
    match want {
        Want::Forced => Decision::Start,
        Want::Current if !view.due => Decision::Hand,
        Want::Current => match view.backing_off {
            Some(failure) => Decision::Refuse(failure.clone()),
            None => Decision::Start,
        },
    }
}

/// A failed refresh, kept for its backoff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure<E> {
    /// What the waiters got, and what callers get until `retry_at`.
    pub error: TokenError<E>,
    /// When the backoff ends.
    pub retry_at: SystemTime,
    /// Failures in a row (1 or more).
    pub count: u32,
}

/// What a cell keeps between episodes: the token, the latest failure, the end.
#[derive(Clone)]
pub struct Record<T, E> {
    /// The current token (also after the end, for its expiry).
    pub issued: Issued<T>,
    /// The latest refresh failed: kept until a refresh succeeds.
    pub failure: Option<Failure<E>>,
    /// The token ended.
    pub ended: Option<E>,
}

impl<T: fmt::Debug, E: fmt::Debug> fmt::Debug for Record<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token's own Debug is trusted no more than a `Secret`'s: left out.
        f.debug_struct("Record")
            .field("issued", &self.issued)
            .field("failure", &self.failure)
            .field("ended", &self.ended)
            .finish()
    }
}

impl<T: Clone, E: Clone> Record<T, E> {
    /// A record of a token that has not been refreshed.
    pub fn new(issued: Issued<T>) -> Self {
        Record {
            issued,
            failure: None,
            ended: None,
        }
    }

    /// The facts [`decide`] needs, at `now`.
    pub fn view(&self, now: SystemTime, in_flight: bool, policy: &RefreshPolicy) -> View<'_, E> {
        View {
            ended: self.ended.as_ref(),
            in_flight,
            due: self.issued.expiry.is_due(now, policy),
            backing_off: self
                .failure
                .as_ref()
                .filter(|failure| now < failure.retry_at)
                .map(|failure| &failure.error),
        }
    }

    /// Takes the outcome of an episode that ended at `now`, and gives what
    /// its waiters get.
    ///
    /// | outcome   | token    | failure                                 | ended   | waiters get |
    /// |-----------|----------|-----------------------------------------|---------|-------------|
    /// | refreshed | replaced | cleared                                 | cleared | the token   |
    /// | failed    | kept     | count + 1, backoff from `now`           | kept    | failed      |
    /// | aborted   | kept     | count + 1, backoff from `now`           | kept    | aborted     |
    /// | ended     | kept     | cleared                                 | set     | ended       |
    pub fn settle(
        &mut self,
        outcome: Result<Outcome<T, E>, Aborted>,
        now: SystemTime,
        policy: &RefreshPolicy,
    ) -> Result<T, TokenError<E>> {
        let error = match outcome {
            Ok(Outcome::Refreshed(issued)) => {
                self.issued = issued;
                self.failure = None;
                self.ended = None;
                return Ok(self.issued.value.clone());
            }
            Ok(Outcome::Ended(e)) => {
                self.failure = None;
                self.ended = Some(e.clone());
                return Err(TokenError::Ended(e));
            }
            Ok(Outcome::Failed(e)) => TokenError::Failed(e),
            Err(aborted) => TokenError::Aborted(aborted),
        };
        let count = self
            .failure
            .as_ref()
            .map_or(0, |f| f.count)
            .saturating_add(1);
        let wait = policy.backoff_after(count);
        self.failure = Some(Failure {
            error: error.clone(),
            retry_at: now.checked_add(wait).unwrap_or(now),
            count,
        });
        Err(error)
    }
}

// ---- the cell ------------------------------------------------------------------

/// What the waiters of an episode get.
#[derive(Clone)]
enum Settled<T, E> {
    Done(Result<T, TokenError<E>>),
    /// An exclusive operation left the token as it was: look again.
    Again,
}

type Flight<T, E> = watch::Receiver<Option<Settled<T, E>>>;

struct State<T, E> {
    record: Record<T, E>,
    /// The episode under way: its waiters watch this.
    flight: Option<Flight<T, E>>,
    /// Refresh episodes started so far.
    episodes: u64,
}

struct Shared<T, E> {
    state: Mutex<State<T, E>>,
    refresher: Box<dyn Refresh<T, E>>,
    clock: Arc<dyn TimeSource>,
    policy: RefreshPolicy,
}

impl<T, E> Shared<T, E> {
    fn lock(&self) -> MutexGuard<'_, State<T, E>> {
        // No code panics while holding the lock; a poisoned one is still
        // consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A token that refreshes itself; see the [module docs](self). Cheap to
/// clone: clones share the token and its refreshes.
///
/// `T` is what the session keeps (the token is handed out as a clone of it);
/// `E`, the error its refresh gives, cloned for each waiter (an `Arc` of the
/// call's error, say).
pub struct TokenCell<T, E> {
    shared: Arc<Shared<T, E>>,
}

impl<T, E> Clone for TokenCell<T, E> {
    fn clone(&self) -> Self {
        TokenCell {
            shared: self.shared.clone(),
        }
    }
}

impl<T, E: fmt::Debug> fmt::Debug for TokenCell<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("TokenCell")
            .field("expiry", &state.record.issued.expiry)
            .field("refreshing", &state.flight.is_some())
            .field(
                "failures",
                &state.record.failure.as_ref().map_or(0, |f| f.count),
            )
            .field("ended", &state.record.ended)
            .field("policy", &self.shared.policy)
            .finish_non_exhaustive()
    }
}

impl<T, E> TokenCell<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// A cell holding `issued`, refreshing it with `refresher` as `policy`
    /// says, on `clock`'s time.
    pub fn new(
        issued: Issued<T>,
        policy: RefreshPolicy,
        clock: Arc<dyn TimeSource>,
        refresher: impl Refresh<T, E>,
    ) -> Self {
        TokenCell {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    record: Record::new(issued),
                    flight: None,
                    episodes: 0,
                }),
                refresher: Box::new(refresher),
                clock,
                policy,
            }),
        }
    }

    /// A valid token: the current one, or a refreshed one when it is due
    /// (joining a refresh under way). During a backoff, a due token gives the
    /// kept error at once.
    pub async fn get(&self) -> Result<T, TokenError<E>> {
        self.run(Want::Current).await
    }

    /// A new token, whatever the current one's expiry and the backoff; a
    /// refresh already under way counts (its outcome is returned).
    pub async fn refresh(&self) -> Result<T, TokenError<E>> {
        self.run(Want::Forced).await
    }

    /// Runs `op` alone: after any episode under way, and with every caller
    /// that comes meanwhile waiting for it. `op` gets the current token and
    /// the end, if any, and gives an outcome for the cell (`None`: the token
    /// is as it was; the waiters then look again) and its own answer.
    ///
    /// `op`'s future runs on a task of its own, like a refresh, so its effect
    /// on the cell holds even if this call is dropped. It is bounded by the
    /// refresh timeout; when it ends without an answer, the token is left as
    /// it was and this gives why.
    pub async fn exclusive<R, F, Fut>(&self, op: F) -> Result<R, Aborted>
    where
        R: Send + 'static,
        F: FnOnce(Issued<T>, Option<E>) -> Fut + Send + 'static,
        Fut: Future<Output = (Option<Outcome<T, E>>, R)> + Send + 'static,
    {
        loop {
            let next = {
                let mut state = self.shared.lock();
                match &state.flight {
                    Some(flight) => Err(flight.clone()),
                    None => {
                        let issued = state.record.issued.clone();
                        let ended = state.record.ended.clone();
                        let (tx, rx) = watch::channel(None);
                        state.flight = Some(rx);
                        Ok((tx, issued, ended))
                    }
                }
            };
            match next {
                Err(flight) => {
                    wait(flight).await;
                }
                Ok((tx, issued, ended)) => {
                    let (reply, answer) = oneshot::channel();
                    let guard = Guard {
                        shared: self.shared.clone(),
                        tx: Some(tx),
                        reply: Some(reply),
                        job: Job::Exclusive,
                    };
                    let work = move || -> BoxFuture<(Option<Outcome<T, E>>, R)> {
                        Box::pin(op(issued, ended))
                    };
                    launch(guard, work).await;
                    return answer.await.unwrap_or(Err(Aborted::Dropped));
                }
            }
        }
    }

    /// The current token and its expiry (also after the end), without a
    /// refresh.
    pub fn current(&self) -> Issued<T> {
        self.shared.lock().record.issued.clone()
    }

    /// The end, when the token ended.
    pub fn ended(&self) -> Option<E> {
        self.shared.lock().record.ended.clone()
    }

    /// Refresh episodes started so far.
    pub fn episodes(&self) -> u64 {
        self.shared.lock().episodes
    }

    /// The policy.
    pub fn policy(&self) -> &RefreshPolicy {
        &self.shared.policy
    }

    async fn run(&self, want: Want) -> Result<T, TokenError<E>> {
        loop {
            let (flight, start) = {
                let mut state = self.shared.lock();
                let now = self.shared.clock.now();
                let view = state
                    .record
                    .view(now, state.flight.is_some(), &self.shared.policy);
                match (decide(view, want), &state.flight) {
                    (Decision::Hand, _) => return Ok(state.record.issued.value.clone()),
                    (Decision::Refuse(error), _) => return Err(error),
                    (Decision::Join, Some(flight)) => (flight.clone(), None),
                    (Decision::Start, _) | (Decision::Join, None) => {
                        let (tx, rx) = watch::channel(None);
                        state.flight = Some(rx.clone());
                        state.episodes += 1;
                        (rx, Some((tx, state.record.issued.clone())))
                    }
                }
            };
            if let Some((tx, issued)) = start {
                let guard = Guard::<T, E, ()> {
                    shared: self.shared.clone(),
                    tx: Some(tx),
                    reply: None,
                    job: Job::Refresh,
                };
                let shared = self.shared.clone();
                // The refresher is called on the task, so that a panic in its
                // synchronous part, too, ends the episode and not this caller.
                let work = move || -> BoxFuture<(Option<Outcome<T, E>>, ())> {
                    let refresh = shared.refresher.refresh(issued);
                    Box::pin(async move { (Some(refresh.await), ()) })
                };
                launch(guard, work).await;
            }
            match wait(flight).await {
                Settled::Done(result) => return result,
                Settled::Again => continue,
            }
        }
    }
}

/// Waits for the end of an episode.
async fn wait<T: Clone, E>(mut flight: Flight<T, E>) -> Settled<T, E>
where
    E: Clone,
{
    match flight.wait_for(Option::is_some).await {
        Ok(settled) => match &*settled {
            Some(settled) => settled.clone(),
            None => Settled::Done(Err(TokenError::Aborted(Aborted::Dropped))),
        },
        // The guard always sends before the sender goes; this is a
        // belt-and-braces answer, not a hang.
        Err(_) => Settled::Done(Err(TokenError::Aborted(Aborted::Dropped))),
    }
}

/// Runs an episode's work on a task of its own (or, outside a tokio runtime,
/// in this caller: then a caller that gives up ends the episode with
/// [`Aborted::Dropped`]).
async fn launch<T, E, R, W>(guard: Guard<T, E, R>, work: W)
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
    R: Send + 'static,
    W: FnOnce() -> BoxFuture<(Option<Outcome<T, E>>, R)> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let timeout = guard.shared.policy.refresh_timeout;
            runtime.spawn(async move {
                let guard = guard;
                let work = work();
                let result = match timeout {
                    Some(limit) => tokio::time::timeout(limit, work)
                        .await
                        .map_err(|_| Aborted::TimedOut(limit)),
                    None => Ok(work.await),
                };
                guard.finish(result);
            });
        }
        Err(_) => {
            let guard = guard;
            let result = work().await;
            guard.finish(Ok(result));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    /// A refresh: an abort counts as a failure.
    Refresh,
    /// An exclusive operation: an abort leaves the token as it was.
    Exclusive,
}

/// Ends an episode exactly once: with its result, or, when dropped first
/// (a panic unwinding, the task dropped), as aborted.
struct Guard<T: Clone, E: Clone, R> {
    shared: Arc<Shared<T, E>>,
    tx: Option<watch::Sender<Option<Settled<T, E>>>>,
    reply: Option<oneshot::Sender<Result<R, Aborted>>>,
    job: Job,
}

impl<T: Clone, E: Clone, R> Guard<T, E, R> {
    fn finish(mut self, result: Result<(Option<Outcome<T, E>>, R), Aborted>) {
        match result {
            Ok((outcome, answer)) => {
                if let Some(reply) = self.reply.take() {
                    let _ = reply.send(Ok(answer));
                }
                self.settle(outcome.map(Ok));
            }
            Err(aborted) => self.abort(aborted),
        }
    }

    fn abort(&mut self, aborted: Aborted) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Err(aborted));
        }
        match self.job {
            Job::Refresh => self.settle(Some(Err(aborted))),
            Job::Exclusive => self.settle(None),
        }
    }

    /// Records the outcome (`None`: nothing changed) and wakes the waiters.
    fn settle(&mut self, outcome: Option<Result<Outcome<T, E>, Aborted>>) {
        let Some(tx) = self.tx.take() else { return };
        let settled = {
            let mut state = self.shared.lock();
            state.flight = None;
            match outcome {
                Some(outcome) => {
                    let now = self.shared.clock.now();
                    Settled::Done(state.record.settle(outcome, now, &self.shared.policy))
                }
                None => Settled::Again,
            }
        };
        // The waiters may all be gone: nobody to tell, nothing lost.
        let _ = tx.send(Some(settled));
    }
}

impl<T: Clone, E: Clone, R> Drop for Guard<T, E, R> {
    fn drop(&mut self) {
        if self.tx.is_none() {
            return;
        }
        let aborted = if std::thread::panicking() {
            Aborted::Panicked
        } else {
            Aborted::Dropped
        };
        self.abort(aborted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::UNIX_EPOCH;

    const T0: Duration = Duration::from_secs(1_000_000);

    /// A clock that moves only when told to.
    #[derive(Clone)]
    struct Manual(Arc<Mutex<SystemTime>>);

    impl Manual {
        fn new() -> Manual {
            Manual(Arc::new(Mutex::new(UNIX_EPOCH + T0)))
        }
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
        fn source(&self) -> Arc<dyn TimeSource> {
            let clock = self.clone();
            Arc::new(move || clock.now())
        }
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn at(offset: Duration, lifetime: Option<Duration>) -> Expiry {
        Expiry::at(UNIX_EPOCH + T0 + offset, lifetime)
    }

    // ---- the pure parts, table by table ----

    #[test]
    fn the_margin_is_at_most_half_the_lifetime() {
        let policy = RefreshPolicy::new();
        for (lifetime, margin) in [
            (None, secs(300)),
            (Some(secs(7200)), secs(300)),
            (Some(secs(600)), secs(300)),
            (Some(secs(599)), Duration::from_millis(299_500)),
            (Some(secs(60)), secs(30)),
            (Some(secs(1)), Duration::from_millis(500)),
            (Some(Duration::ZERO), Duration::ZERO),
        ] {
            assert_eq!(policy.margin_for(lifetime), margin, "{lifetime:?}");
        }
    }

    #[test]
    fn when_a_token_is_due() {
        let policy = RefreshPolicy::new();
        let now = UNIX_EPOCH + T0;
        for (expiry, due) in [
            (Expiry::Manual, false),
            (Expiry::Unknown, true),
            (at(secs(3600), None), false),
            (at(secs(301), None), false),
            (at(secs(300), None), true),
            (at(secs(10), None), true),
            (at(Duration::ZERO, None), true),
            (Expiry::at(now - secs(1), None), true),
            // One second of life: due only in its second half.
            (at(Duration::from_millis(501), Some(secs(1))), false),
            (at(Duration::from_millis(500), Some(secs(1))), true),
            // A short lifetime shortens the margin; a long one does not widen it.
            (at(secs(31), Some(secs(60))), false),
            (at(secs(30), Some(secs(60))), true),
            (at(secs(301), Some(secs(86_400))), false),
        ] {
            assert_eq!(expiry.is_due(now, &policy), due, "{expiry:?}");
        }
        assert_eq!(
            Expiry::after(now, secs(60)),
            Expiry::at(now + secs(60), Some(secs(60)))
        );
    }

    #[test]
    fn the_backoff_doubles_up_to_its_bound() {
        let policy = RefreshPolicy::new();
        let waits: Vec<u64> = (1..=7).map(|n| policy.backoff_after(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
        assert_eq!(policy.backoff_after(u32::MAX), secs(60));
        assert_eq!(policy.backoff_after(0), secs(5));
        let custom = RefreshPolicy::new().with_backoff(secs(10), secs(1));
        assert_eq!(custom.max_backoff(), secs(10), "max raised to the first");
        assert_eq!(custom.backoff_after(3), secs(10));
    }

    #[test]
    fn the_decision_table() {
        let ended = "ended";
        let kept = TokenError::Failed("kept");
        let view = |ended: Option<&'static &'static str>, in_flight, due, backing_off| View {
            ended: ended.copied().as_ref().map(|_| &"ended"),
            in_flight,
            due,
            backing_off,
        };
        let _ = ended;
        use Decision::*;
        use Want::*;
        let rows: Vec<(View<'_, &str>, Want, Decision<&str>)> = vec![
            // The end decides over everything.
            (
                view(Some(&"ended"), false, false, None),
                Current,
                Refuse(TokenError::Ended("ended")),
            ),
            (
                view(Some(&"ended"), true, true, Some(&kept)),
                Forced,
                Refuse(TokenError::Ended("ended")),
            ),
            // A refresh under way is joined, whatever is wanted.
            (view(None, true, false, None), Current, Join),
            (view(None, true, true, Some(&kept)), Current, Join),
            (view(None, true, false, None), Forced, Join),
            // Forced: a refresh, backoff or not, due or not.
            (view(None, false, false, None), Forced, Start),
            (view(None, false, true, Some(&kept)), Forced, Start),
            // Current: the token while fresh, even during a backoff.
            (view(None, false, false, None), Current, Hand),
            (view(None, false, false, Some(&kept)), Current, Hand),
            // Due: the kept error during a backoff, else a refresh.
            (
                view(None, false, true, Some(&kept)),
                Current,
                Refuse(kept.clone()),
            ),
            (view(None, false, true, None), Current, Start),
        ];
        for (view, want, expected) in rows {
            assert_eq!(decide(view, want), expected, "{view:?} {want:?}");
        }
    }

    #[test]
    fn the_settle_table() {
        let policy = RefreshPolicy::new();
        let now = UNIX_EPOCH + T0;
        let old = || Issued::new("old", at(secs(10), None));
        let failed_once = || {
            let mut record = Record::<&str, &str>::new(old());
            let _ = record.settle(Ok(Outcome::Failed("first")), now, &policy);
            record
        };

        // Refreshed: the token replaced, the failure and the end cleared.
        let mut record = failed_once();
        let got = record.settle(
            Ok(Outcome::Refreshed(Issued::new("new", at(secs(3600), None)))),
            now,
            &policy,
        );
        assert_eq!(got, Ok("new"));
        assert_eq!(record.issued.value, "new");
        assert!(record.failure.is_none() && record.ended.is_none());

        // Failed: the token kept, the failure counted, the backoff from now.
        let mut record = Record::<&str, &str>::new(old());
        assert_eq!(
            record.settle(Ok(Outcome::Failed("500")), now, &policy),
            Err(TokenError::Failed("500"))
        );
        assert_eq!(record.issued.value, "old");
        let failure = record.failure.clone().unwrap();
        assert_eq!((failure.count, failure.retry_at), (1, now + secs(5)));
        // A second failure in a row: counted, twice the wait.
        let later = now + secs(6);
        let got = record.settle(Ok(Outcome::Failed("502")), later, &policy);
        assert_eq!(got, Err(TokenError::Failed("502")));
        let failure = record.failure.clone().unwrap();
        assert_eq!((failure.count, failure.retry_at), (2, later + secs(10)));

        // Aborted: a failure like any other.
        let mut record = failed_once();
        let got = record.settle(Err(Aborted::Panicked), now, &policy);
        assert_eq!(got, Err(TokenError::Aborted(Aborted::Panicked)));
        let failure = record.failure.clone().unwrap();
        assert_eq!((failure.count, failure.retry_at), (2, now + secs(10)));

        // Ended: the token kept (for its expiry), the failure cleared.
        let mut record = failed_once();
        let got = record.settle(Ok(Outcome::Ended("revoked")), now, &policy);
        assert_eq!(got, Err(TokenError::Ended("revoked")));
        assert_eq!(record.issued.value, "old");
        assert_eq!(record.ended, Some("revoked"));
        assert!(record.failure.is_none());

        // The view of a record: a backoff runs until retry_at, not after.
        let record = failed_once();
        assert!(record.view(now, false, &policy).backing_off.is_some());
        assert!(record
            .view(now + secs(4), false, &policy)
            .backing_off
            .is_some());
        assert!(record
            .view(now + secs(5), false, &policy)
            .backing_off
            .is_none());
        assert!(record.view(now, false, &policy).due);
    }

    // ---- the cell, with refreshes the tests hold and release ----

    /// A refresher that counts its calls and answers from `script`, each call
    /// first waiting for `gate` to let it through.
    struct Scripted {
        calls: Arc<AtomicUsize>,
        gate: Arc<tokio::sync::Semaphore>,
    }

    fn scripted<F>(clock: &Manual, script: F) -> (Scripted, impl Refresh<String, String>)
    where
        F: Fn(usize) -> Outcome<String, String> + Send + Sync + 'static,
    {
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let handle = Scripted {
            calls: calls.clone(),
            gate: gate.clone(),
        };
        let script = Arc::new(script);
        let _ = clock;
        let refresher = move |_current: Issued<String>| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let gate = gate.clone();
            let script = script.clone();
            async move {
                gate.acquire().await.unwrap().forget();
                script(n)
            }
        };
        (handle, refresher)
    }

    impl Scripted {
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
        fn release(&self, n: usize) {
            self.gate.add_permits(n);
        }
    }

    fn fresh(clock: &Manual, value: &str, lifetime: Duration) -> Outcome<String, String> {
        Outcome::Refreshed(Issued::new(
            value.to_owned(),
            Expiry::after(clock.now(), lifetime),
        ))
    }

    fn due_cell(
        clock: &Manual,
        policy: RefreshPolicy,
        refresher: impl Refresh<String, String>,
    ) -> TokenCell<String, String> {
        TokenCell::new(
            Issued::new("old".to_owned(), Expiry::at(clock.now() + secs(10), None)),
            policy,
            clock.source(),
            refresher,
        )
    }

    /// Spawns `n` callers of `get`, and waits until they all wait.
    async fn callers(
        cell: &TokenCell<String, String>,
        n: usize,
    ) -> Vec<tokio::task::JoinHandle<Result<String, TokenError<String>>>> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let cell = cell.clone();
                tokio::spawn(async move { cell.get().await })
            })
            .collect();
        // Let every caller reach its wait.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tasks
    }

    #[tokio::test]
    async fn one_refresh_serves_every_waiter() {
        let clock = Manual::new();
        let c = clock.clone();
        let (handle, refresher) =
            scripted(&clock, move |n| fresh(&c, &format!("new-{n}"), secs(3600)));
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        let tasks = callers(&cell, 10).await;
        assert_eq!(handle.calls(), 1);
        handle.release(1);
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "new-0");
        }
        assert_eq!(cell.get().await.unwrap(), "new-0");
        assert_eq!((handle.calls(), cell.episodes()), (1, 1));
    }

    #[tokio::test]
    async fn a_failure_is_shared_then_kept_for_the_backoff() {
        let clock = Manual::new();
        let c = clock.clone();
        let (handle, refresher) = scripted(&clock, move |n| match n {
            0 | 1 => Outcome::Failed(format!("failure {n}")),
            _ => fresh(&c, &format!("new-{n}"), secs(3600)),
        });
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        let tasks = callers(&cell, 10).await;
        handle.release(1);
        for task in tasks {
            assert_eq!(
                task.await.unwrap(),
                Err(TokenError::Failed("failure 0".into()))
            );
        }
        assert_eq!(handle.calls(), 1);
        // During the backoff (5 s): the same error, no refresh.
        clock.advance(Duration::from_millis(4_999));
        assert_eq!(
            cell.get().await,
            Err(TokenError::Failed("failure 0".into()))
        );
        assert_eq!(handle.calls(), 1);
        // After it: one refresh, which fails again; the next backoff is 10 s.
        clock.advance(Duration::from_millis(1));
        handle.release(1);
        assert_eq!(
            cell.get().await,
            Err(TokenError::Failed("failure 1".into()))
        );
        clock.advance(secs(9));
        assert_eq!(
            cell.get().await,
            Err(TokenError::Failed("failure 1".into()))
        );
        assert_eq!(handle.calls(), 2);
        // A forced refresh is not held back.
        handle.release(1);
        assert_eq!(cell.refresh().await.unwrap(), "new-2");
        assert_eq!(cell.get().await.unwrap(), "new-2");
        assert_eq!(handle.calls(), 3);
    }

    #[tokio::test]
    async fn a_short_lifetime_is_used_for_half_of_it() {
        let clock = Manual::new();
        let c = clock.clone();
        let (handle, refresher) =
            scripted(&clock, move |n| fresh(&c, &format!("new-{n}"), secs(1)));
        handle.release(100);
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        let mut per_round = Vec::new();
        for _ in 0..4 {
            for _ in 0..20 {
                cell.get().await.unwrap();
            }
            per_round.push(handle.calls());
            clock.advance(Duration::from_millis(250));
        }
        // A refresh, then fresh for 0.5 s: due again every other round.
        assert_eq!(per_round, [1, 1, 2, 2]);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_wedge_the_others() {
        let clock = Manual::new();
        let c = clock.clone();
        let (handle, refresher) = scripted(&clock, move |_| fresh(&c, "new", secs(3600)));
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        // The caller that started the refresh gives up; so does a waiter.
        for _ in 0..2 {
            let gave_up = tokio::time::timeout(Duration::from_millis(5), cell.get()).await;
            assert!(gave_up.is_err());
        }
        let tasks = callers(&cell, 3).await;
        handle.release(1);
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "new");
        }
        assert_eq!(handle.calls(), 1);
    }

    #[tokio::test]
    async fn a_refresh_that_panics_ends_the_episode_with_an_error() {
        let clock = Manual::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let c = clock.clone();
        let cell = due_cell(&clock, RefreshPolicy::new(), move |_: Issued<String>| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let c = c.clone();
            async move {
                tokio::task::yield_now().await;
                if n == 0 {
                    panic!("a refresher bug");
                }
                fresh(&c, "new", secs(3600))
            }
        });
        let tasks = callers(&cell, 5).await;
        for task in tasks {
            assert_eq!(
                task.await.unwrap(),
                Err(TokenError::Aborted(Aborted::Panicked))
            );
        }
        // Kept for the backoff like any failure, then tried again.
        assert_eq!(
            cell.get().await,
            Err(TokenError::Aborted(Aborted::Panicked))
        );
        clock.advance(secs(5));
        assert_eq!(cell.get().await.unwrap(), "new");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_panic_before_the_future_is_built_is_an_episode_error_too() {
        let clock = Manual::new();
        let cell = due_cell(
            &clock,
            RefreshPolicy::new(),
            |_: Issued<String>| -> std::future::Ready<Outcome<String, String>> {
                panic!("a refresher bug in its synchronous part")
            },
        );
        assert_eq!(
            cell.get().await,
            Err(TokenError::Aborted(Aborted::Panicked))
        );
    }

    #[tokio::test]
    async fn a_refresh_that_never_ends_is_bounded_by_the_timeout() {
        let clock = Manual::new();
        let policy = RefreshPolicy::new().with_refresh_timeout(Duration::from_millis(30));
        let cell = due_cell(&clock, policy, |_: Issued<String>| std::future::pending());
        let tasks = callers(&cell, 3).await;
        for task in tasks {
            assert_eq!(
                task.await.unwrap(),
                Err(TokenError::Aborted(Aborted::TimedOut(
                    Duration::from_millis(30)
                )))
            );
        }
        assert_eq!(cell.episodes(), 1);
    }

    /// The runtime that runs the refresh shuts down: the refresh is dropped,
    /// and a waiter on another runtime gets an error instead of waiting.
    #[test]
    fn a_refresh_dropped_with_its_runtime_ends_the_episode() {
        let clock = Manual::new();
        let cell = due_cell(&clock, RefreshPolicy::new(), |_: Issued<String>| {
            std::future::pending()
        });
        let runner = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runner.block_on(async {
            let starter = cell.clone();
            tokio::spawn(async move { starter.get().await });
            while cell.episodes() == 0 {
                tokio::task::yield_now().await;
            }
        });
        let waiting = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut waiter = Box::pin(cell.get());
        waiting.block_on(async {
            let pending = tokio::time::timeout(Duration::from_millis(5), &mut waiter).await;
            assert!(pending.is_err(), "joined the refresh under way");
        });
        drop(runner);
        let got = waiting.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("answered, not left waiting")
        });
        assert_eq!(got, Err(TokenError::Aborted(Aborted::Dropped)));
    }

    /// Outside a tokio runtime the caller drives the refresh itself.
    #[test]
    fn without_a_runtime_the_caller_drives_the_refresh() {
        let clock = Manual::new();
        let c = clock.clone();
        let cell = due_cell(&clock, RefreshPolicy::new(), move |_: Issued<String>| {
            std::future::ready(fresh(&c, "new", secs(3600)))
        });
        let mut get = Box::pin(cell.get());
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        let got = loop {
            if let std::task::Poll::Ready(got) = get.as_mut().poll(&mut context) {
                break got;
            }
        };
        assert_eq!(got.unwrap(), "new");
    }

    #[tokio::test]
    async fn an_ended_token_is_refused_without_a_refresh() {
        let clock = Manual::new();
        let (handle, refresher) = scripted(&clock, |_| Outcome::Ended("revoked".to_owned()));
        handle.release(10);
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        assert_eq!(cell.get().await, Err(TokenError::Ended("revoked".into())));
        clock.advance(secs(3600));
        assert_eq!(cell.get().await, Err(TokenError::Ended("revoked".into())));
        assert_eq!(
            cell.refresh().await,
            Err(TokenError::Ended("revoked".into()))
        );
        assert_eq!(handle.calls(), 1);
        assert_eq!(cell.ended().as_deref(), Some("revoked"));
        assert_eq!(cell.current().value, "old");
    }

    #[tokio::test]
    async fn an_exclusive_operation_waits_for_a_refresh_and_holds_the_others() {
        let clock = Manual::new();
        let c = clock.clone();
        let (handle, refresher) =
            scripted(&clock, move |n| fresh(&c, &format!("new-{n}"), secs(3600)));
        let cell = due_cell(&clock, RefreshPolicy::new(), refresher);
        let refreshing = callers(&cell, 1).await;
        // The exclusive operation starts after the refresh, on its token.
        let (go, gate) = oneshot::channel::<()>();
        let exclusive = {
            let cell = cell.clone();
            tokio::spawn(async move {
                cell.exclusive(|current, ended| async move {
                    let _ = gate.await;
                    assert!(ended.is_none());
                    (None, current.value)
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        handle.release(1);
        assert_eq!(
            refreshing
                .into_iter()
                .next()
                .unwrap()
                .await
                .unwrap()
                .unwrap(),
            "new-0"
        );
        // While it runs, a forced refresh waits; it left the token as it was,
        // so the refresh then goes ahead.
        let forced = {
            let cell = cell.clone();
            tokio::spawn(async move { cell.refresh().await })
        };
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(handle.calls(), 1, "the forced refresh waits");
        go.send(()).unwrap();
        assert_eq!(exclusive.await.unwrap().unwrap(), "new-0");
        handle.release(1);
        assert_eq!(forced.await.unwrap().unwrap(), "new-1");

        // An exclusive operation that ends the token ends it for its waiters.
        let ended = cell
            .exclusive(|_, _| async { (Some(Outcome::Ended("cancelled".to_owned())), 7) })
            .await;
        assert_eq!(ended, Ok(7));
        assert_eq!(cell.get().await, Err(TokenError::Ended("cancelled".into())));
        // It may run on an ended token, and sees the end.
        let seen = cell
            .exclusive(|_, ended| async move { (None, ended) })
            .await;
        assert_eq!(seen, Ok(Some("cancelled".to_owned())));
    }

    #[tokio::test]
    async fn an_exclusive_operation_that_panics_leaves_the_token() {
        let clock = Manual::new();
        let c = clock.clone();
        let cell = TokenCell::<String, String>::new(
            Issued::new("fresh".to_owned(), Expiry::after(clock.now(), secs(3600))),
            RefreshPolicy::new(),
            clock.source(),
            move |_: Issued<String>| std::future::ready(fresh(&c, "new", secs(3600))),
        );
        let got = cell
            .exclusive(|_, _| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("an exclusive bug");
                }
                (None, ())
            })
            .await;
        assert_eq!(got, Err(Aborted::Panicked));
        assert_eq!(cell.get().await.unwrap(), "fresh");
        assert_eq!(cell.episodes(), 0);
    }

    #[test]
    fn debug_shows_how_the_token_stands_not_what_it_is() {
        let clock = Manual::new();
        let cell: TokenCell<String, String> = TokenCell::new(
            Issued::new("secret-token-value".to_owned(), Expiry::Manual),
            RefreshPolicy::new(),
            clock.source(),
            |_: Issued<String>| std::future::pending(),
        );
        let shown = format!(
            "{cell:?} {:?} {:?}",
            cell.current(),
            Record::<String, String>::new(cell.current())
        );
        assert!(!shown.contains("secret-token-value"), "{shown}");
        assert!(shown.contains("Manual"), "{shown}");
    }
}
