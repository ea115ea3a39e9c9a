//! App-space documents: edit URLs and download URLs of stored files.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::super::clock::unix_secs;
use super::super::errors::FakeError;
use super::super::server::EXCHANGE_TOKEN_TTL;
use super::super::state::{random_alphanumeric, random_lowercase, ExchangeToken};
use super::super::wire::Call;
use super::file_not_found;
use crate::{
    GetDownloadUrlRequest, GetDownloadUrlResponse, GetEditUrlWithTokenRequest,
    GetEditUrlWithTokenResponse, Secret, Token,
};

/// Characters kept as-is in a URL path segment or query value we build.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(super) fn get_edit_url_with_token(
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

pub(super) fn get_download_url(
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
