//! A stateful fake kdocs (`FakeKdocs::start`) with a client and a user,
//! and the assertions the end-to-end suites make of its answers.

use kdocs_client::ErrorCodeExt;
use std::collections::BTreeMap;

use kdocs_client::fake::{FakeCode, FakeConfig, FakeKdocs};
use kdocs_client::{Client, Config, Credentials, Error, ErrorCode};
use serde_json::Value;

use crate::spec::{example_answers, json};

/// A fake, a client signing as its app, a user's access token, and the
/// spec's example answer of each operation.
pub struct Env {
    /// The stateful fake.
    pub fake: FakeKdocs,
    /// A client signing with the fake's app id and key.
    pub client: Client,
    /// An access token the fake issued, for its default user.
    pub token: String,
    /// The example answer of each operation, by name.
    pub examples: BTreeMap<String, Value>,
}

/// Starts a fake with room for a few hundred calls, and its client and user.
pub async fn start() -> Env {
    let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(100_000))
        .await
        .unwrap();
    let client = client_with_key(&fake, fake.app_key());
    let token = fake.issue_access_token();
    Env {
        fake,
        client,
        token,
        examples: example_answers(),
    }
}

/// A client of `fake`'s app id signing with `app_key`.
pub fn client_with_key(fake: &FakeKdocs, app_key: &str) -> Client {
    Client::new(
        Credentials::new(fake.app_id(), app_key),
        Config::new().with_base_url(fake.base_url()),
    )
    .unwrap()
}

impl Env {
    /// Asserts that `op` succeeded with the spec's example answer.
    pub fn example<T: serde::Serialize>(&self, op: &str, answer: Result<T, Error>) {
        let answer = answer.unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(json(&answer), self.examples[op], "{op}");
    }
}

/// Asserts an API error with `code` (and the HTTP status the fake sends with it).
pub fn refused<T: std::fmt::Debug>(answer: Result<T, Error>, status: u16, code: i64) -> Error {
    let error = answer.expect_err("the call should be refused");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    assert_eq!((api.status, api.code), (status, code), "{error}");
    error
}

/// A token the fake never issued: refused with 20007 on `auth: access_token` routes.
pub const BAD_TOKEN: &str = "not-a-token-the-fake-issued";

/// Asserts the refusal of an access token: 401, `20007`, an auth error.
pub fn assert_token_refused<T: std::fmt::Debug>(answer: Result<T, Error>) {
    let error = refused(answer, 401, 20007);
    assert_eq!(error.error_code(), Some(ErrorCode::AccessTokenInvalid));
    assert!(error.is_auth());
}

/// Asserts the refusal of a signature: 403, the fake's own code, an auth error.
pub fn assert_signature_refused<T: std::fmt::Debug>(answer: Result<T, Error>) {
    let error = refused(answer, 403, FakeCode::SignatureRefused.code());
    assert!(error.is_auth());
}
