//! Phase one of a call, once for all its attempts: the operation's parameters
//! written into a request ([`Prepared`]).
//!
//! What does not change from one attempt to the next is computed here and
//! nowhere else: the URL (the parsed base URL with the rendered path and
//! query set on it), the body (JSON bytes, or a multipart body built, and
//! spooled to disk when large, within the operation's deadline), the body's
//! `Content-Md5` and the secret values the request carries (kept out of any
//! error text). A parameter the operation refuses (a blank identifier, a
//! dot segment) fails the call here, before anything is sent.
//!
//! Signing is not done here: each attempt signs afresh, at its own time
//! (see [`attempt`](super::attempt)).

use super::call::{call_context, WriteParams};
use super::limits::{bounded, Deadline};
use super::Client;
use crate::error::{CallContext, Error};
use crate::multipart::{BuildError, MultipartBody};
use crate::request::{BodyKind, Method, OperationSpec, RequestParts};
use crate::signing::Md5Hex;

/// A request built once and sent by every attempt.
pub(super) struct Prepared {
    pub(super) url: reqwest::Url,
    /// `Content-Md5`: of the body bytes, or of the path and query exactly as
    /// sent when there are none. The same for every attempt.
    pub(super) content_md5: Md5Hex,
    pub(super) body: PreparedBody,
    /// Secret values the request carries, kept out of error messages.
    pub(super) secrets: Vec<String>,
}

/// The body every attempt sends.
pub(super) enum PreparedBody {
    None,
    Json(bytes::Bytes),
    Multipart(MultipartBody),
}

impl Client {
    /// The URL, its `Content-Md5` and the body, checked; a multipart body is
    /// built (and hashed) here, once for every attempt.
    pub(super) async fn prepare(
        &self,
        spec: &'static OperationSpec,
        operation: &mut dyn WriteParams,
        deadline: Option<Deadline>,
    ) -> Result<Prepared, Error> {
        let mut parts = RequestParts::default();
        operation.write_params(&mut parts);
        let (path, query) = parts
            .render(spec.path)
            .map_err(|invalid| Error::InvalidArgument {
                context: call_context(spec),
                parameter: invalid.parameter,
                reason: invalid.reason,
            })?;
        let url = url_for(self.base(), &path, query);
        let body = self.prepare_body(spec, &parts, deadline).await?;
        // Sign exactly what goes on the wire: the URL's own path and query.
        let content_md5 = match &body {
            PreparedBody::Multipart(body) => body.md5,
            PreparedBody::Json(bytes) => Md5Hex::of_request(Some(bytes), request_uri(&url)),
            PreparedBody::None => Md5Hex::of_request(None, request_uri(&url)),
        };
        Ok(Prepared {
            url,
            content_md5,
            body,
            secrets: parts.secrets().to_vec(),
        })
    }

    /// The body the spec's body kind and the written parameters give.
    async fn prepare_body(
        &self,
        spec: &'static OperationSpec,
        parts: &RequestParts,
        deadline: Option<Deadline>,
    ) -> Result<PreparedBody, Error> {
        if spec.body == BodyKind::Multipart {
            // Boxed: its file reading would otherwise make every call's
            // future (multipart or not) larger.
            let build = Box::pin(MultipartBody::build(parts.parts()));
            let body = bounded(build, None, deadline)
                .await
                .map_err(|passed| self.timeout_error(call_context(spec), passed))?
                .map_err(|e| multipart_error(call_context(spec), e))?;
            return Ok(PreparedBody::Multipart(body));
        }
        // A POST, PUT or PATCH always sends a JSON object, `{}` at least; a
        // DELETE sends one when a body field is set.
        Ok(match parts.body_bytes() {
            Some(bytes) => PreparedBody::Json(bytes::Bytes::from(bytes)),
            None if spec.body == BodyKind::Json && spec.method != Method::Delete => {
                PreparedBody::Json(bytes::Bytes::from_static(b"{}"))
            }
            None => PreparedBody::None,
        })
    }
}

/// Why a multipart body could not be built, as the call's error.
fn multipart_error(context: CallContext, error: BuildError) -> Error {
    match error {
        BuildError::ReaderUsed(part) => Error::InvalidArgument {
            context,
            parameter: part,
            reason: "its reader was already read by an earlier send; give a new FilePart".into(),
        },
        BuildError::Io(part, source) => Error::Upload {
            context,
            part,
            source,
        },
    }
}

/// `base` with `path` (after the base's own path) and `query` (none when
/// empty): the URL that parsing the base URL followed by `path?query` gives,
/// without parsing the scheme and host again. `path` and `query` are already
/// percent-encoded ([`RequestParts::render`]).
fn url_for(base: &reqwest::Url, path: &str, query: &str) -> reqwest::Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    if prefix.is_empty() {
        url.set_path(path);
    } else {
        url.set_path(&format!("{prefix}{path}"));
    }
    url.set_query((!query.is_empty()).then_some(query));
    url
}

/// The path and query of `url`, exactly as sent: what a bodyless request signs.
fn request_uri(url: &reqwest::Url) -> &str {
    &url[url::Position::BeforePath..url::Position::AfterQuery]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::check_base_url;

    /// Setting the path and query on the parsed base URL gives the URL that
    /// parsing the whole text gives (what the client did before), and the
    /// signed request URI is its path and query as sent.
    #[test]
    fn urls_are_the_parsed_text() {
        let values = [
            "t2v4Ga8ZUYKc12KGMdEQpBh",
            "a/b?c#d",
            "文档 1",
            "...",
            "%2e",
            "%2e%2E",
            "a b+c&d=e",
            "~x_y-z.",
            "\\x\\",
            "'\"<>`{}|^",
        ];
        for base in [
            "http://127.0.0.1:8080",
            "https://developer.kdocs.cn/",
            "http://[::1]:80/p/",
            "https://h.example/a/b//",
            "http://localhost",
        ] {
            let (base_url, parsed) = check_base_url(base, false).unwrap();
            for value in values {
                for with_query in [false, true] {
                    let mut parts = RequestParts::default();
                    parts.path("file_token", value);
                    if with_query {
                        parts.query("file_token", value);
                        parts.query("ext", "x y");
                    }
                    let (path, query) = parts
                        .render("/api/v1/openapi/files/{file_token}/download")
                        .unwrap();
                    let text = if query.is_empty() {
                        format!("{base_url}{path}")
                    } else {
                        format!("{base_url}{path}?{query}")
                    };
                    let url = url_for(&parsed, &path, query);
                    assert_eq!(url, reqwest::Url::parse(&text).unwrap(), "{text}");
                    let uri = match url.query() {
                        Some(q) => format!("{}?{q}", url.path()),
                        None => url.path().to_owned(),
                    };
                    assert_eq!(request_uri(&url), uri);
                }
            }
        }
    }
}
