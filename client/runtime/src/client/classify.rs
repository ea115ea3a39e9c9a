//! Phase three, once per attempt: what an attempt's answer means for the
//! call: the output decoded into its slot, or a [`Failure`] for
//! [`decide`](super::decide) to judge.
//!
//! Here too the hooks are told how the attempt ended
//! ([`Hook::on_response`](crate::Hook::on_response)) and the debug event of
//! the answer is emitted. An answer that is not the output becomes its typed
//! error only now: the scrubber (every secret the request carried, the app
//! key, the attempt's `Authorization` and bare signature in either case) is
//! built for failed attempts alone, and the error code is looked up in the
//! configured table ([`Config::with_error_codes`](crate::Config::with_error_codes)).
//!
//! The operation's deadline is the one failure the hooks do not see: it ends
//! the call where it stands, whichever step was waiting.

use std::time::{Instant, SystemTime};

use super::attempt::{http_date, RawResponse};
use super::call::{call_context, OutputSlot};
use super::prepare::Prepared;
use super::Client;
use crate::envelope::Refusal;
use crate::error::{CallContext, Error, KnownCode, TimeoutKind};
use crate::hooks::HookResponse;
use crate::request::OperationSpec;
use crate::scrub::Scrubber;
use crate::signing;

/// An attempt that did not give the output.
pub(super) struct Failure {
    pub(super) error: Error,
    /// The answer's `Retry-After`, in seconds.
    pub(super) retry_after: Option<u64>,
    /// The answer's `Date`, kept for a 401 or 403 only.
    pub(super) server_date: Option<SystemTime>,
}

/// One attempt as the hooks and the trace see it.
#[derive(Clone, Copy)]
pub(super) struct AttemptLog {
    /// 1 for the first attempt.
    pub(super) number: u32,
    /// When it started, for the hooks and the debug event only (`None` when
    /// neither wants it).
    pub(super) started: Option<Instant>,
    /// Whether the call's span is on (records the status).
    pub(super) traced: bool,
}

impl Client {
    /// The output decoded into `output`, or why the attempt failed.
    pub(super) fn classify(
        &self,
        spec: &OperationSpec,
        prepared: &Prepared,
        log: AttemptLog,
        answer: Result<RawResponse, Error>,
        output: &mut dyn OutputSlot,
    ) -> Result<(), Failure> {
        let raw = match answer {
            Ok(raw) => raw,
            Err(error) => {
                if !matches!(
                    error,
                    Error::Timeout {
                        kind: TimeoutKind::Operation,
                        ..
                    }
                ) {
                    self.observe(spec, log, error.status(), Some(&error));
                }
                return Err(Failure {
                    error,
                    retry_after: None,
                    server_date: None,
                });
            }
        };
        self.trace_answer(spec, log, &raw);
        let refusal = match output.decode(raw.status, &raw.body) {
            Ok(()) => {
                self.observe(spec, log, Some(raw.status), None);
                return Ok(());
            }
            Err(refusal) => refusal,
        };
        let error = self.refusal_error(call_context(spec), prepared, &raw, refusal);
        self.observe(spec, log, Some(raw.status), Some(&error));
        Err(Failure {
            error,
            retry_after: raw.retry_after,
            server_date: http_date(raw.date.as_ref()),
        })
    }

    /// The typed error of an answer that is not the output, without any of
    /// the request's secrets, its error code looked up.
    fn refusal_error(
        &self,
        context: CallContext,
        prepared: &Prepared,
        raw: &RawResponse,
        refusal: Refusal,
    ) -> Error {
        let credentials = &self.inner.credentials;
        let authorization = raw
            .signature
            .as_ref()
            .map(|signature| signing::authorization(credentials.app_id(), signature));
        // The bare signature too, in either case: with the other inputs
        // public, it allows offline guessing of the key.
        let signature = raw.signature.as_ref().map(|s| s.as_str());
        let upper = signature.map(str::to_ascii_uppercase);
        let scrubber = Scrubber::new(prepared.secrets.iter().map(String::as_str).chain([
            credentials.app_key().expose_str(),
            authorization.as_deref().unwrap_or_default(),
            signature.unwrap_or_default(),
            upper.as_deref().unwrap_or_default(),
        ]));
        let mut error =
            refusal.into_error(context, raw.status, raw.retry_after, &raw.body, &scrubber);
        if let Error::Api(api) = &mut error {
            api.known = KnownCode::find(self.inner.config.error_codes, api.code);
        }
        error
    }

    /// The span's status and the debug event of an answer.
    fn trace_answer(&self, spec: &OperationSpec, log: AttemptLog, raw: &RawResponse) {
        if log.traced {
            tracing::Span::current().record("status", raw.status);
        }
        tracing::debug!(
            operation = spec.name,
            method = spec.method.as_str(),
            path = spec.path,
            attempt = log.number,
            status = raw.status,
            bytes = raw.body.len(),
            elapsed_ms = log.started.map_or(0, |s| s.elapsed().as_millis() as u64),
            "kdocs call answered"
        );
    }

    /// Tells the hooks how an attempt ended.
    fn observe(
        &self,
        spec: &OperationSpec,
        log: AttemptLog,
        status: Option<u16>,
        error: Option<&Error>,
    ) {
        if self.inner.config.hooks.is_empty() {
            return;
        }
        let response = HookResponse {
            operation: spec.name,
            method: spec.method,
            path: spec.path,
            attempt: log.number,
            status,
            elapsed: log.started.map(|s| s.elapsed()).unwrap_or_default(),
            error,
        };
        for hook in &self.inner.config.hooks {
            hook.on_response(&response);
        }
    }
}
