//! Sending one operation, in phases.
//!
//! ```text
//!            once                    each attempt
//! execute ── prepare ──┬──▶ attempt ──▶ classify ──▶ output decoded: done
//!                      │                   │
//!                      │                Failure
//!                      │                   ▼
//!                      │    decide_clock: Keep | Correct { resend } | ReportSkew
//!                      │    decide_retry: RetryAfter(delay) | Fail(stop) ──▶ the error
//!                      │                   │
//!                      └── resend at once, or sleep `delay` ◀──┘
//! ```
//!
//! - [`prepare`](super::prepare): once per call, what every attempt sends
//!   (URL, body, `Content-Md5`, the secrets to keep out of errors);
//! - [`attempt`](super::attempt): a request slot, the signature at the
//!   attempt's own time, one exchange, the body read (limited);
//! - [`classify`](super::classify): the output decoded, or a [`Failure`]
//!   with the typed error; the hooks told;
//! - [`decide`](super::decide): two pure functions, one for the signing
//!   clock and one for retries, each returning what to do next.
//!
//! [`Client::run`] is the loop that applies the decisions: the only place
//! that changes the clock offset, sleeps between attempts or counts them.
//! Everything runs within the operation's deadline ([`limits`](super::limits)).
//!
//! Only [`Client::execute`] and [`OutputSlot`]'s decoding are generic: everything
//! else here is compiled once, whatever the number of endpoints.
//!
//! [`Failure`]: super::classify::Failure

use std::time::Instant;

use tracing::Instrument;

use super::classify::{AttemptLog, Failure};
use super::decide::{
    decide_clock, decide_retry, is_repeatable, never_sent, ClockDecision, ClockFacts,
    RetryDecision, RetryFacts, Stop,
};
use super::limits::Deadline;
use super::prepare::Prepared;
use super::Client;
use crate::envelope;
use crate::error::{CallContext, Error};
use crate::request::{Operation, OperationSpec, RequestParts};
use crate::retry::RetryPolicy;

/// An operation's parameters, written into a request: [`Operation::write`]
/// behind a pointer, so that the steps of a call need not be generic. The
/// steps hold it as `&mut dyn WriteParams` although writing only reads it: a
/// `&mut` across an `.await` needs the operation to be `Send`, a `&` would
/// need it to be `Sync` as well.
pub(super) trait WriteParams: Send {
    fn write_params(&self, parts: &mut RequestParts);
}

impl<O: Operation> WriteParams for O {
    fn write_params(&self, parts: &mut RequestParts) {
        self.write(parts);
    }
}

/// Where a call's answer is decoded to: the one step of a call that depends
/// on the operation's output type, so that everything around it (attempts,
/// signing, the exchange, retries) is compiled once for every endpoint.
pub(super) trait OutputSlot: Send {
    /// Reads the answer into the slot ([`envelope::parse`]), or tells why it
    /// is not one.
    fn decode(&mut self, status: u16, body: &[u8]) -> Result<(), envelope::Refusal>;
}

impl<T: serde::de::DeserializeOwned + Send> OutputSlot for Option<T> {
    fn decode(&mut self, status: u16, body: &[u8]) -> Result<(), envelope::Refusal> {
        *self = Some(envelope::parse(status, body)?);
        Ok(())
    }
}

impl Client {
    /// Sends one operation: builds the URL and body, then for each attempt
    /// signs them afresh, sends, and decodes the envelope; retries transient
    /// failures as the [`RetryPolicy`] allows, corrects the clock once on a
    /// `Date` refusal, all within the operation timeout. Every generated
    /// method calls this.
    ///
    /// Only this function and the decoding of the output depend on the
    /// operation's types; all the rest of a call is compiled once, not once
    /// per endpoint.
    pub async fn execute<O: Operation>(&self, mut operation: O) -> Result<O::Output, Error> {
        let mut output: Option<O::Output> = None;
        self.send(&O::SPEC, &mut operation, &mut output).await?;
        Ok(output.expect("`send` succeeds only once the output is decoded"))
    }

    /// [`Client::execute`] without its types: the call's span, then the call
    /// into `output`.
    async fn send(
        &self,
        spec: &'static OperationSpec,
        operation: &mut dyn WriteParams,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        let span = tracing::debug_span!(
            "kdocs_call",
            operation = spec.name,
            method = spec.method.as_str(),
            path = spec.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let traced = !span.is_disabled();
        let call = self.send_within_limit(spec, operation, traced, output);
        if !traced {
            // No subscriber wants the span: no wrapper, no clock reading.
            return call.await;
        }
        let started = Instant::now();
        let result = call.instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        result
    }

    /// [`Client::send`] without its span (`traced`: the span is on).
    async fn send_within_limit(
        &self,
        spec: &'static OperationSpec,
        operation: &mut dyn WriteParams,
        traced: bool,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        // One deadline for the whole call, enforced by every step that waits
        // (building a multipart body, a request slot, each exchange; no
        // backoff is started that would end past it), with the attempt's
        // own limit on the same timer.
        let deadline = Deadline::from_now(self.operation_timeout());
        let prepared = self.prepare(spec, operation, deadline).await?;
        self.run(spec, &prepared, deadline, traced, output).await
    }

    /// The attempts of one call, until one decodes into `output` or the
    /// decisions end the call.
    async fn run(
        &self,
        spec: &'static OperationSpec,
        prepared: &Prepared,
        deadline: Option<Deadline>,
        traced: bool,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Error> {
        let policy = self.retry_policy();
        let mut number: u32 = 1;
        let mut clock_corrected = false;
        loop {
            let signed_at = self.signing_time();
            let log = self.attempt_log(number, traced);
            let answer = self
                .attempt(spec, prepared, signed_at, number, deadline)
                .await;
            let Err(mut failure) = self.classify(spec, prepared, log, answer, output) else {
                return Ok(());
            };
            let clock = ClockFacts {
                may_correct: spec.auth.signed()
                    && !clock_corrected
                    && self.inner.config.correct_clock_skew,
                envelope_status: failure.error.api().map(|api| api.status),
                server_date: failure.server_date,
                signed_at,
                offset_secs: self.clock_offset_secs(),
                max_correction: self.inner.config.max_clock_correction,
                repeatable: is_repeatable(spec),
            };
            match decide_clock(&clock) {
                ClockDecision::Keep => {}
                ClockDecision::Correct {
                    offset_secs,
                    resend,
                } => {
                    clock_corrected = true;
                    self.correct_clock(spec, offset_secs, resend);
                    if resend {
                        continue;
                    }
                }
                ClockDecision::ReportSkew { difference_secs } => {
                    report_skew(spec, &mut failure.error, difference_secs);
                }
            }
            let retry = retry_facts(spec, policy, number, &failure, deadline);
            match decide_retry(&retry, &mut fastrand::Rng::new()) {
                RetryDecision::RetryAfter(delay) => {
                    tracing::debug!(
                        operation = spec.name,
                        method = spec.method.as_str(),
                        path = spec.path,
                        attempt = number,
                        delay_ms = delay.as_millis() as u64,
                        error = %failure.error,
                        "kdocs call failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    number += 1;
                }
                RetryDecision::Fail(stop) => return Err(give_up(spec, stop, failure)),
            }
        }
    }

    /// The time to sign with: the local clock plus the learnt offset.
    fn signing_time(&self) -> std::time::SystemTime {
        super::decide::shift(std::time::SystemTime::now(), self.clock_offset_secs())
    }

    /// Attempt `number` starting now, as the hooks and the trace see it.
    fn attempt_log(&self, number: u32, traced: bool) -> AttemptLog {
        if traced {
            tracing::Span::current().record("attempts", number);
        }
        AttemptLog {
            number,
            // For the hooks and the debug event only.
            started: (!self.inner.config.hooks.is_empty()
                || tracing::enabled!(tracing::Level::DEBUG))
            .then(Instant::now),
            traced,
        }
    }

    /// Adopts `offset_secs` as the signing clock's offset ([`ClockDecision::Correct`]).
    fn correct_clock(&self, spec: &OperationSpec, offset_secs: i64, resend: bool) {
        tracing::warn!(
            operation = spec.name,
            old_offset_secs = self.clock_offset_secs(),
            new_offset_secs = offset_secs,
            retrying = resend,
            "kdocs refused a call and its Date is far from ours: correcting the signing clock"
        );
        self.set_clock_offset_secs(offset_secs);
    }
}

/// The call's context in errors: the operation, method and path template.
pub(super) fn call_context(spec: &OperationSpec) -> CallContext {
    CallContext {
        operation: spec.name,
        method: spec.method,
        path: spec.path,
    }
}

/// Says on `error` how far the service's clock is ([`ClockDecision::ReportSkew`]).
fn report_skew(spec: &OperationSpec, error: &mut Error, difference_secs: i64) {
    tracing::warn!(
        operation = spec.name,
        difference_secs,
        "kdocs refused a call and its Date is further from ours than the client corrects; \
         clock left alone"
    );
    if let Error::Api(api) = error {
        api.clock_skew_secs = Some(difference_secs);
    }
}

/// What [`decide_retry`] needs to know of attempt `number`'s failure.
fn retry_facts(
    spec: &OperationSpec,
    policy: RetryPolicy,
    number: u32,
    failure: &Failure,
    deadline: Option<Deadline>,
) -> RetryFacts {
    RetryFacts {
        attempt: number,
        policy,
        transient: failure.error.is_retryable(),
        repeatable: is_repeatable(spec),
        never_sent: never_sent(&failure.error),
        retry_after: failure.retry_after,
        now: Instant::now(),
        deadline: deadline.map(|deadline| deadline.at),
    }
}

/// The error a call ends with ([`RetryDecision::Fail`]).
fn give_up(spec: &OperationSpec, stop: Stop, failure: Failure) -> Error {
    if let Stop::RetryAfterTooLong(retry_after) = stop {
        tracing::debug!(
            operation = spec.name,
            retry_after,
            "kdocs asked to retry later than the retry policy waits; giving up"
        );
    }
    failure.error
}
