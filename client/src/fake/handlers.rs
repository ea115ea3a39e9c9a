//! The hand-written part of the fake's API: handlers that keep state.
//!
//! Routing, parameter decoding and refusing bad parameters are generated from
//! `api-spec/` (the `fake` module of the generated code, on [`super::wire`]).
//! Here are only the operations whose answers depend on what happened before:
//! files, anonymous tokens, access and exchange tokens. Every other operation
//! of the spec answers with its example, from the generated defaults.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::clock::unix_secs;
use super::errors::FakeError;
use super::server::EXCHANGE_TOKEN_TTL;
use super::state::{random_alphanumeric, random_lowercase, ExchangeToken};
use super::wire::Call;
use crate::generated::fake::Handlers;
use crate::{
    CancelAnonymousTokenRequest, CancelAnonymousTokenResponse, CreateAnonymousPreviewRequest,
    CreateAnonymousPreviewResponse, GetDownloadUrlRequest, GetDownloadUrlResponse,
    GetEditUrlWithTokenRequest, GetEditUrlWithTokenResponse, RefreshAnonymousTokenRequest, Secret,
    Token,
};

/// Characters kept as-is in a URL path segment or query value we build.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The stateful kdocs fake: its state lives in the server's `Shared`, reached
/// through each [`Call`].
pub(crate) struct Kdocs;

fn file_not_found(file_token: &str) -> FakeError {
    FakeError::file_not_found(format!("no file with file_token {file_token:?}"))
}

impl Handlers for Kdocs {
    fn create_anonymous_preview(
        &self,
        call: &Call<'_>,
        request: CreateAnonymousPreviewRequest,
    ) -> Result<CreateAnonymousPreviewResponse, FakeError> {
        let shared = call.shared;
        let file_token = request.file_token();
        let mut st = shared.lock();
        if !st.files.contains_key(file_token) {
            return Err(file_not_found(file_token));
        }
        let expire_at = call.now() + shared.anonymous_token_ttl;
        let (task_id, _token) =
            st.create_task(file_token, request.download().unwrap_or(false), expire_at);
        Ok(CreateAnonymousPreviewResponse { task_id })
    }

    fn refresh_anonymous_token(
        &self,
        call: &Call<'_>,
        request: RefreshAnonymousTokenRequest,
    ) -> Result<Token, FakeError> {
        let shared = call.shared;
        let expire_at = call.now() + shared.anonymous_token_ttl;
        let value = shared
            .lock()
            .refresh(request.token().expose_str(), call.now(), expire_at)?;
        Ok(Token {
            value: Secret::new(value),
            expire_at: unix_secs(expire_at) as i64,
        })
    }

    fn cancel_anonymous_token(
        &self,
        call: &Call<'_>,
        request: CancelAnonymousTokenRequest,
    ) -> Result<CancelAnonymousTokenResponse, FakeError> {
        call.shared
            .lock()
            .cancel(request.token().expose_str(), call.now())?;
        Ok(CancelAnonymousTokenResponse {})
    }

    fn get_edit_url_with_token(
        &self,
        call: &Call<'_>,
        request: GetEditUrlWithTokenRequest,
    ) -> Result<GetEditUrlWithTokenResponse, FakeError> {
        let shared = call.shared;
        let file_token = request.file_token();
        // The access token was checked by the server (the route's auth).
        let mut st = shared.lock();
        if !st.files.contains_key(file_token) {
            return Err(file_not_found(file_token));
        }
        let value = format!("ExchangeToken-{}", random_lowercase(48));
        let expire_at = call.now() + EXCHANGE_TOKEN_TTL;
        st.exchange_tokens.insert(
            value.clone(),
            ExchangeToken {
                file_token: file_token.to_owned(),
                app_id: call.app_id().to_owned(),
                expire_at,
            },
        );
        let url = format!(
            "{}/office/s/{}?_w_appid={}",
            shared.base_url,
            utf8_percent_encode(file_token, SEGMENT),
            utf8_percent_encode(call.app_id(), SEGMENT)
        );
        Ok(GetEditUrlWithTokenResponse {
            url,
            token: Token {
                value: Secret::new(value),
                expire_at: unix_secs(expire_at) as i64,
            },
        })
    }

    fn get_download_url(
        &self,
        call: &Call<'_>,
        request: GetDownloadUrlRequest,
    ) -> Result<GetDownloadUrlResponse, FakeError> {
        let shared = call.shared;
        let file_token = request.file_token();
        let mut st = shared.lock();
        let Some(entry) = st.files.get(file_token).cloned() else {
            return Err(file_not_found(file_token));
        };
        let id = random_alphanumeric(32);
        st.downloads.insert(id.clone(), entry.clone());
        let checksums = [
            ("md5".to_owned(), serde_json::Value::from(entry.md5.clone())),
            (
                "sha1".to_owned(),
                serde_json::Value::from(entry.sha1.clone()),
            ),
        ];
        Ok(GetDownloadUrlResponse {
            download_url: Secret::new(format!("{}/fake/download/{id}", shared.base_url)),
            checksums: Some(checksums.into_iter().collect()),
            sys_metadata: Some(serde_json::json!({
                "size": entry.content.len(),
                "file_name": entry.name,
            })),
        })
    }
}
