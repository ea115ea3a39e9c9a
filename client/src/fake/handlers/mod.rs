//! The hand-written part of the fake's API: the operations that keep state.
//!
//! Routing, parameter decoding and refusing bad parameters come from each
//! operation's descriptor (its generated `SPEC` and `from_params`, served by
//! [`super::wire`]), and so do the answers of every operation that keeps no
//! state: they answer with the spec's examples. Here, one module per family,
//! are only the operations whose answers depend on what happened before
//! (files, tokens); each module registers its handlers on the [`Api`].

mod anonymous;
mod appspace;
mod oauth;
mod office;
pub(super) mod personal;
mod user;

use super::errors::FakeError;
use super::state::file_not_found;
use super::wire::Api;

/// An answer of the fake's own JSON as the operation's typed answer: the
/// fields the spec declares decode into theirs, the others go to `others`.
pub(super) fn typed<T: serde::de::DeserializeOwned>(
    json: serde_json::Value,
) -> Result<T, FakeError> {
    serde_json::from_value(json).map_err(|e| FakeError::internal(format!("the fake's answer: {e}")))
}

/// kdocs' API as the fake serves it: every operation of the generated code,
/// with the stateful handlers of each family.
pub(crate) fn kdocs() -> Api {
    let api = Api::new(crate::for_each_operation);
    let api = anonymous::register(api);
    let api = appspace::register(api);
    let api = oauth::register(api);
    let api = office::register(api);
    let api = user::register(api);
    personal::register(api)
}
