//! The baseline: what a developer would write by hand with reqwest for one
//! signed kdocs call, with no runtime underneath.
//!
//! It sends the same request as the generated client's `get_download_url`
//! (same path and query encoding, the same four WPS-2 headers, the same user
//! agent, a reqwest client built with the same options) and decodes the
//! answer into the same typed result (`GetDownloadUrlResponse`), straight
//! from the bytes. What it leaves out is what the runtime adds: retries,
//! timeouts, hooks, tracing, error typing and scrubbing.

use std::time::{Duration, SystemTime};

use kdocs_client::GetDownloadUrlResponse;
use md5::{Digest as _, Md5};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use sha1::Sha1;

/// RFC 3986 unreserved characters stay, everything else is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The user agent the generated client sends by default.
pub const USER_AGENT: &str = "kdocs-client-rust/0.1.0";

/// One WPS-2 signature, written directly from the platform's rules: the
/// `Date`, `Content-Md5` (of the request URI: no body) and `Authorization`
/// header values.
pub fn sign(app_id: &str, app_key: &str, request_uri: &str, now: SystemTime) -> [String; 3] {
    let date = httpdate::fmt_http_date(now);
    let content_md5 = hex::encode(Md5::digest(request_uri.as_bytes()));
    let mut sha1 = Sha1::new();
    sha1.update(app_key.as_bytes());
    sha1.update(content_md5.as_bytes());
    sha1.update(b"application/json");
    sha1.update(date.as_bytes());
    let authorization = format!("WPS-2:{app_id}:{}", hex::encode(sha1.finalize()));
    [date, content_md5, authorization]
}

#[derive(Deserialize)]
struct Envelope<T> {
    code: i64,
    message: Option<String>,
    data: Option<T>,
}

/// A hand-written client for one endpoint.
pub struct HandWritten {
    http: reqwest::Client,
    base_url: String,
    app_id: String,
    app_key: String,
}

impl HandWritten {
    pub fn new(base_url: &str, app_id: &str, app_key: &str) -> Self {
        Self::with_timeout(base_url, app_id, app_key, None)
    }

    /// With reqwest's own per-request `timeout` when given (the time limit
    /// a careful hand-written call sets).
    pub fn with_timeout(
        base_url: &str,
        app_id: &str,
        app_key: &str,
        timeout: Option<Duration>,
    ) -> Self {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false);
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let http = builder.build().expect("a reqwest client");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            app_key: app_key.to_owned(),
        }
    }

    /// `GET /api/v1/openapi/appspace/files/{file_token}/download?file_token=…`, signed.
    pub async fn get_download_url(
        &self,
        file_token: &str,
    ) -> Result<GetDownloadUrlResponse, String> {
        let token = utf8_percent_encode(file_token, COMPONENT);
        let uri = format!("/api/v1/openapi/appspace/files/{token}/download?file_token={token}");
        let [date, content_md5, authorization] =
            sign(&self.app_id, &self.app_key, &uri, SystemTime::now());
        let response = self
            .http
            .get(format!("{}{uri}", self.base_url))
            .header("Date", date)
            .header("Content-Md5", content_md5)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let envelope: Envelope<GetDownloadUrlResponse> =
            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if envelope.code != 0 || !status.is_success() {
            return Err(format!(
                "HTTP {status}, code {}: {}",
                envelope.code,
                envelope.message.unwrap_or_default()
            ));
        }
        envelope.data.ok_or_else(|| "no data".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The known answer of the kdocs signing page, and the client's signer
    /// agrees on a whole request.
    #[test]
    fn agrees_with_the_docs_and_the_client() {
        let key = "wJalrXUtnFEYEXAMPLEKES";
        let mut sha1 = Sha1::new();
        sha1.update(key.as_bytes());
        sha1.update(b"d41d8cd98f00b204e9800998ecf8427e");
        sha1.update(b"application/json");
        sha1.update(b"Wed, 23 Jan 2013 06:43:08 GMT");
        assert_eq!(
            hex::encode(sha1.finalize()),
            "083500176fa3aab58ca2dc962978013b3ca2b6df"
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_358_923_388);
        let uri = "/api/v1/openapi/appspace/files/t/download?file_token=t";
        let [date, md5, authorization] = sign("SX1", key, uri, now);
        let ours =
            crate::sign::generated("SX1", &kdocs_client::Secret::new(key.to_owned()), uri, now);
        assert_eq!([date.as_str(), md5.as_str(), authorization.as_str()], ours);
    }

    #[test]
    fn the_user_agent_is_the_clients() {
        let config = format!("{:?}", kdocs_client::Config::new());
        assert!(
            config.contains(&format!("user_agent: {USER_AGENT:?}")),
            "{config}"
        );
    }
}
