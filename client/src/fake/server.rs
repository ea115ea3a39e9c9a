//! The HTTP side of the fake: accept loop, routing, handlers and response bodies.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::clock::unix_secs;
use super::errors::{ApiError, FakeCode};
use super::signature;
use super::{Fault, Shared};

/// Largest request body the fake reads on a route that takes JSON (every
/// route today); a larger one is refused before it is read.
const MAX_JSON_BODY: usize = 64 * 1024;

/// Frame size for streamed downloads.
const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Lifetime of exchange tokens returned with edit URLs.
pub(crate) const EXCHANGE_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

/// Characters kept as-is in a URL path segment or query value we build.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Operation names used in [`FakeStats::calls`](super::FakeStats::calls).
pub(crate) const OP_CREATE_PREVIEW: &str = "create_anonymous_preview";
pub(crate) const OP_REFRESH: &str = "refresh_anonymous_token";
pub(crate) const OP_CANCEL: &str = "cancel_anonymous_token";
pub(crate) const OP_EDIT_URL: &str = "get_edit_url_with_token";
pub(crate) const OP_DOWNLOAD_URL: &str = "get_download_url";

// ---------------------------------------------------------------------------
// Response body

/// Response body: a whole buffer, or file content streamed in 64 KiB frames
/// sliced from the stored `Bytes` (no copy unless the corrupt fault is on).
pub(crate) enum FakeBody {
    Full(Option<Bytes>),
    Stream {
        data: Bytes,
        pos: usize,
        /// Where to stop sending (less than `data.len()` when truncating).
        end: usize,
        corrupt: bool,
        /// After `end`, fail the body so hyper aborts the connection.
        fail_at_end: bool,
        /// Pause before failing, so hyper flushes the bytes already produced.
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

impl FakeBody {
    fn full(bytes: impl Into<Bytes>) -> FakeBody {
        FakeBody::Full(Some(bytes.into()))
    }
}

impl Body for FakeBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            FakeBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            FakeBody::Stream {
                data,
                pos,
                end,
                corrupt,
                fail_at_end,
                pause,
            } => {
                if *pos < *end {
                    let n = DOWNLOAD_CHUNK.min(*end - *pos);
                    let mut chunk = data.slice(*pos..*pos + n);
                    if *corrupt {
                        let mut bad = chunk.to_vec();
                        for b in bad.iter_mut().step_by(4096) {
                            *b ^= 0xFF;
                        }
                        chunk = Bytes::from(bad);
                    }
                    *pos += n;
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                } else if *fail_at_end {
                    let sleep = pause.get_or_insert_with(|| {
                        Box::pin(tokio::time::sleep(Duration::from_millis(20)))
                    });
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *fail_at_end = false;
                    Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "download truncated by Fault::TruncateDownload",
                    ))))
                } else {
                    Poll::Ready(None)
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            FakeBody::Full(b) => b.as_ref().is_none_or(|b| b.is_empty()),
            FakeBody::Stream {
                pos,
                end,
                fail_at_end,
                ..
            } => pos >= end && !fail_at_end,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            FakeBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            FakeBody::Stream { data, pos, .. } => SizeHint::with_exact((data.len() - *pos) as u64),
        }
    }
}

// ---------------------------------------------------------------------------
// Accept loop

/// Accepts connections until `shutdown` flips (or its sender is dropped).
///
/// At most `max_connections` are served at once: at the cap, the loop stops
/// accepting (new connections wait in the kernel's backlog) until one closes.
/// Silent or half-open connections are closed by the header read timeout, so
/// they cannot hold the slots for long.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    max_connections: usize,
) {
    if *shutdown.borrow_and_update() {
        return;
    }
    let slots = Arc::new(Semaphore::new(
        max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    loop {
        let slot = tokio::select! {
            _ = shutdown.changed() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    let (shared, shutdown) = (shared.clone(), shutdown.clone());
                    tokio::spawn(async move {
                        connection(stream, shared, shutdown).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::debug!("fake kdocs: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            },
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    // Also the time allowed between two requests on a kept-alive connection.
    let read_timeout = shared.read_timeout;
    let service = service_fn(move |req| handle(shared.clone(), req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!("fake kdocs: connection ended with error: {e}");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

// ---------------------------------------------------------------------------
// Dispatch

/// Why an API request got no success answer.
enum Rejection {
    Api(ApiError),
    /// `Fault::ServerError`: HTML 500 page.
    Html500,
    /// `Fault::BreakConnection`: drop the connection without answering.
    Break,
}

impl From<ApiError> for Rejection {
    fn from(e: ApiError) -> Self {
        Rejection::Api(e)
    }
}

/// Every response carries the fake clock's time in `Date`, as a real server's
/// carries its own: clients that correct clock skew learn it from there.
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<FakeBody>, io::Error> {
    let now = shared.clock.now();
    let mut response = respond(shared, req).await?;
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert(hyper::header::DATE, date);
    }
    Ok(response)
}

async fn respond(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<FakeBody>, io::Error> {
    let path = req.uri().path();
    if path == "/fake/download" || path.starts_with("/fake/download/") {
        return Ok(download(&shared, &req));
    }
    let fault = {
        let mut st = shared.lock();
        st.total_api_calls += 1;
        st.fault
    };
    match api(&shared, req, fault).await {
        Ok(data) => Ok(json_response(
            StatusCode::OK,
            &json!({ "code": 0, "data": data }),
            None,
        )),
        Err(rejection) => {
            shared.lock().rejected_calls += 1;
            match rejection {
                Rejection::Api(e) => Ok(error_response(&e)),
                Rejection::Html500 => Ok(html_500()),
                Rejection::Break => Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "connection broken by Fault::BreakConnection",
                )),
            }
        }
    }
}

enum Route {
    CreatePreview,
    Refresh,
    Cancel(String),
    EditUrl(String),
    DownloadUrl(String),
}

impl Route {
    fn op(&self) -> &'static str {
        match self {
            Route::CreatePreview => OP_CREATE_PREVIEW,
            Route::Refresh => OP_REFRESH,
            Route::Cancel(_) => OP_CANCEL,
            Route::EditUrl(_) => OP_EDIT_URL,
            Route::DownloadUrl(_) => OP_DOWNLOAD_URL,
        }
    }
}

/// Splits the raw path on `/` and percent-decodes each segment.
fn decode_segments(path: &str) -> Result<Vec<String>, ApiError> {
    path.split('/')
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    ApiError::invalid_argument(format!(
                        "path segment {s:?} is not percent-encoded UTF-8"
                    ))
                })
        })
        .collect()
}

fn non_empty(value: &str, name: &str) -> Result<String, ApiError> {
    if value.is_empty() {
        Err(ApiError::invalid_argument(format!(
            "path parameter {name} is empty"
        )))
    } else {
        Ok(value.to_owned())
    }
}

fn route(path: &str, method: &Method) -> Result<Route, ApiError> {
    let owned = decode_segments(path)?;
    let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (allowed, route) = match segs.as_slice() {
        ["", "api", "v1", "openapi", "anonymous", "preview", "appspace", "with_token"] => {
            (Method::POST, Route::CreatePreview)
        }
        ["", "api", "v1", "openapi", "anonymous", "token"] => (Method::POST, Route::Refresh),
        ["", "api", "v1", "openapi", "anonymous", "token", token] => {
            (Method::DELETE, Route::Cancel(non_empty(token, "token")?))
        }
        ["", "api", "v1", "openapi", "appspace", "files", file, "url", "with_edit_token"] => {
            (Method::GET, Route::EditUrl(non_empty(file, "file_token")?))
        }
        ["", "api", "v1", "openapi", "appspace", "files", file, "download"] => (
            Method::GET,
            Route::DownloadUrl(non_empty(file, "file_token")?),
        ),
        _ => {
            return Err(ApiError::fake(
                FakeCode::NoSuchEndpoint,
                format!(
                    "no endpoint {method} {path}; the fake serves only the five documented kdocs endpoints"
                ),
            ))
        }
    };
    if *method != allowed {
        return Err(ApiError::fake(
            FakeCode::MethodNotAllowed,
            format!("{path} only accepts {allowed}, got {method}"),
        ));
    }
    Ok(route)
}

/// Reads a request body of at most `limit` bytes within `deadline`. A
/// `Content-Length` over the limit is refused before anything is read.
async fn read_body(body: Incoming, limit: usize, deadline: Duration) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::fake(
            FakeCode::BodyTooLarge,
            format!("request body is larger than {limit} bytes"),
        )
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let read = Limited::new(body, limit).collect();
    match tokio::time::timeout(deadline, read).await {
        Err(_) => Err(ApiError::fake(
            FakeCode::BodyTimeout,
            format!("the request body did not arrive within {deadline:?}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::invalid_argument(format!(
            "could not read the request body: {e}"
        ))),
    }
}

async fn api(
    shared: &Shared,
    req: Request<Incoming>,
    fault: Option<Fault>,
) -> Result<Value, Rejection> {
    let (parts, body) = req.into_parts();
    let route = route(parts.uri.path(), &parts.method)?;
    *shared
        .lock()
        .calls
        .entry(route.op().to_owned())
        .or_insert(0) += 1;
    match fault {
        Some(Fault::ServerError) => return Err(Rejection::Html500),
        Some(Fault::BreakConnection) => return Err(Rejection::Break),
        Some(Fault::InternalError) => {
            return Err(
                ApiError::internal("internal error injected by Fault::InternalError").into(),
            )
        }
        Some(Fault::CorruptDownload) | Some(Fault::TruncateDownload) | None => {}
    }
    let body = read_body(body, MAX_JSON_BODY, shared.read_timeout).await?;
    let path_and_query = parts.uri.path_and_query().map_or("", |pq| pq.as_str());
    let now = shared.clock.now();
    let app_id = signature::verify(&parts.headers, path_and_query, &body, now, |app_id| {
        shared.lock().apps.get(app_id).map(|a| a.key.clone())
    })?;
    shared.lock().count_call(&app_id, now)?;

    let query: HashMap<String, String> = {
        let mut q = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            q.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        q
    };
    let data = match route {
        Route::CreatePreview => create_preview(shared, &body, now)?,
        Route::Refresh => refresh(shared, &body, now)?,
        Route::Cancel(token) => {
            shared.lock().cancel(&token, now)?;
            json!({})
        }
        Route::EditUrl(file_token) => edit_url(shared, &file_token, &query, &app_id, now)?,
        Route::DownloadUrl(file_token) => download_url(shared, &file_token, &query)?,
    };
    Ok(data)
}

// ---------------------------------------------------------------------------
// Handlers

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid_argument(
            "request body is empty; expected a JSON object",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_argument(
            "request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::invalid_argument(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

fn required_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match obj.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiError::invalid_argument(format!(
            "body parameter {name} is empty"
        ))),
        None | Some(Value::Null) => Err(ApiError::invalid_argument(format!(
            "body parameter {name} is required (string)"
        ))),
        Some(_) => Err(ApiError::invalid_argument(format!(
            "body parameter {name} must be a string"
        ))),
    }
}

fn create_preview(shared: &Shared, body: &[u8], now: SystemTime) -> Result<Value, ApiError> {
    let obj = json_object(body)?;
    let file_token = required_string(&obj, "file_token")?;
    let download = match obj.get("download") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::invalid_argument(
                "body parameter download must be a boolean",
            ))
        }
    };
    let mut st = shared.lock();
    if !st.files.contains_key(file_token) {
        return Err(ApiError::file_not_found(format!(
            "no file with file_token {file_token:?}"
        )));
    }
    let (task_id, _token) = st.create_task(file_token, download, now + shared.anonymous_token_ttl);
    Ok(json!({ "task_id": task_id }))
}

fn refresh(shared: &Shared, body: &[u8], now: SystemTime) -> Result<Value, ApiError> {
    let obj = json_object(body)?;
    let token = required_string(&obj, "token")?;
    let expire_at = now + shared.anonymous_token_ttl;
    let value = shared.lock().refresh(token, now, expire_at)?;
    Ok(json!({ "value": value, "expire_at": unix_secs(expire_at) }))
}

fn edit_url(
    shared: &Shared,
    file_token: &str,
    query: &HashMap<String, String>,
    app_id: &str,
    now: SystemTime,
) -> Result<Value, ApiError> {
    let access_token = match query.get("access_token") {
        Some(t) if !t.is_empty() => t,
        _ => {
            return Err(ApiError::invalid_argument(
                "query parameter access_token is required",
            ))
        }
    };
    let mut st = shared.lock();
    if !st.access_tokens.contains(access_token) {
        return Err(ApiError::access_token_invalid(
            "access_token is not a token this fake issued (see FakeKdocs::issue_access_token)",
        ));
    }
    if !st.files.contains_key(file_token) {
        return Err(ApiError::file_not_found(format!(
            "no file with file_token {file_token:?}"
        )));
    }
    let value = format!("ExchangeToken-{}", super::state::random_lowercase(48));
    let expire_at = now + EXCHANGE_TOKEN_TTL;
    st.exchange_tokens.insert(
        value.clone(),
        super::state::ExchangeToken {
            file_token: file_token.to_owned(),
            app_id: app_id.to_owned(),
            expire_at,
        },
    );
    let url = format!(
        "{}/office/s/{}?_w_appid={}",
        shared.base_url,
        utf8_percent_encode(file_token, SEGMENT),
        utf8_percent_encode(app_id, SEGMENT)
    );
    Ok(json!({ "url": url, "token": { "value": value, "expire_at": unix_secs(expire_at) } }))
}

fn download_url(
    shared: &Shared,
    file_token: &str,
    query: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    match query.get("file_token") {
        None => {
            return Err(ApiError::invalid_argument(
                "query parameter file_token is required and must equal the file_token in the path",
            ))
        }
        Some(q) if q != file_token => {
            return Err(ApiError::invalid_argument(format!(
                "query parameter file_token {q:?} differs from the path file_token {file_token:?}"
            )))
        }
        Some(_) => {}
    }
    let mut st = shared.lock();
    let Some(entry) = st.files.get(file_token).cloned() else {
        return Err(ApiError::file_not_found(format!(
            "no file with file_token {file_token:?}"
        )));
    };
    let id = super::state::random_alphanumeric(32);
    st.downloads.insert(id.clone(), entry.clone());
    Ok(json!({
        "download_url": format!("{}/fake/download/{id}", shared.base_url),
        "checksums": { "md5": entry.md5, "sha1": entry.sha1 },
        "sys_metadata": { "size": entry.content.len(), "file_name": entry.name },
    }))
}

/// `GET /fake/download/<id>`: unsigned, like a presigned CDN URL.
fn download(shared: &Shared, req: &Request<Incoming>) -> Response<FakeBody> {
    if req.method() != Method::GET {
        return error_response(&ApiError::fake(
            FakeCode::MethodNotAllowed,
            format!("download URLs only accept GET, got {}", req.method()),
        ));
    }
    let segments = match decode_segments(req.uri().path()) {
        Ok(s) => s,
        Err(e) => return error_response(&ApiError::file_not_found(e.hint)),
    };
    let id = match segments.as_slice() {
        [_, _, _, id] => id.as_str(),
        _ => "",
    };
    let (entry, fault) = {
        let mut st = shared.lock();
        match st.downloads.get(id).cloned() {
            Some(entry) => {
                st.downloads_served += 1;
                (entry, st.fault)
            }
            None => {
                drop(st);
                return error_response(&ApiError::file_not_found(format!(
                    "no download with id {id:?}; get a download_url from the download endpoint"
                )));
            }
        }
    };
    let len = entry.content.len();
    let (end, corrupt, fail_at_end) = match fault {
        Some(Fault::CorruptDownload) => (len, true, false),
        Some(Fault::TruncateDownload) => (len / 2, false, true),
        _ => (len, false, false),
    };
    let mut resp = Response::new(FakeBody::Stream {
        data: entry.content.clone(),
        pos: 0,
        end,
        corrupt,
        fail_at_end,
        pause: None,
    });
    let headers = resp.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len as u64));
    resp
}

// ---------------------------------------------------------------------------
// Responses

fn json_response(status: StatusCode, body: &Value, retry_after: Option<u64>) -> Response<FakeBody> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let len = bytes.len() as u64;
    let mut resp = Response::new(FakeBody::full(bytes));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(secs) = retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

fn error_response(e: &ApiError) -> Response<FakeBody> {
    json_response(e.status, &e.body(), e.retry_after)
}

fn html_500() -> Response<FakeBody> {
    let page = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\
                <body><h1>500 Internal Server Error</h1><p>fake kdocs: Fault::ServerError</p></body></html>\n";
    let mut resp = Response::new(FakeBody::full(page));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
pub(crate) fn decode_segments_for_tests(path: &str) -> Vec<String> {
    decode_segments(path).unwrap()
}
