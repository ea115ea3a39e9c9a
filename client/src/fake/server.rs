//! The HTTP side of the fake: accept loop, routing, handlers and response bodies.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::errors::{FakeCode, FakeError};
use super::signature;
use super::state::Content;
use super::wire::{self, Call, WireRequest};
use super::{Fault, Shared};
use crate::runtime::BodyKind;

/// Largest request body the fake reads on a route that takes JSON (every
/// route today); a larger one is refused before it is read.
const MAX_JSON_BODY: usize = 64 * 1024;

/// Frame size for streamed downloads.
const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Lifetime of exchange tokens returned with edit URLs.
pub(crate) const EXCHANGE_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

// ---------------------------------------------------------------------------
// Response body

/// Response body: a whole buffer, or file content streamed in 64 KiB frames
/// sliced from the stored (or generated) `Bytes` (no copy unless the corrupt
/// fault is on).
pub(crate) enum FakeBody {
    Full(Option<Bytes>),
    Stream {
        data: Content,
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
                    let mut chunk = data.chunk(*pos, DOWNLOAD_CHUNK.min(*end - *pos));
                    let n = chunk.len();
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
    Api(FakeError),
    /// `Fault::ServerError`: HTML 500 page.
    Html500,
    /// `Fault::BreakConnection`: drop the connection without answering.
    Break,
}

impl From<FakeError> for Rejection {
    fn from(e: FakeError) -> Self {
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
    if path == "/h5/auth" {
        return Ok(authorize_page(&shared, &req));
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

/// Reads a request body of at most `limit` bytes within `deadline`. A
/// `Content-Length` over the limit is refused before anything is read.
async fn read_body(body: Incoming, limit: usize, deadline: Duration) -> Result<Bytes, FakeError> {
    let too_large = || {
        FakeError::fake(
            FakeCode::BodyTooLarge,
            format!("request body is larger than {limit} bytes"),
        )
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let read = Limited::new(body, limit).collect();
    match tokio::time::timeout(deadline, read).await {
        Err(_) => Err(FakeError::fake(
            FakeCode::BodyTimeout,
            format!("the request body did not arrive within {deadline:?}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(e)) => Err(FakeError::invalid_argument(format!(
            "could not read the request body: {e}"
        ))),
    }
}

/// An API request: routed by the spec's route table, refused on a fault,
/// its signature headers checked, read, verified (WPS-2 and the daily quota),
/// decoded by the generated code, and answered by its handler.
async fn api(
    shared: &Shared,
    req: Request<Incoming>,
    fault: Option<Fault>,
) -> Result<Value, Rejection> {
    let (parts, body) = req.into_parts();
    let method = runtime_method(&parts.method).ok_or_else(|| {
        FakeError::fake(
            FakeCode::MethodNotAllowed,
            format!("method {} is not used by the API", parts.method),
        )
    })?;
    let routes = shared.api.routes();
    let (route, captured) = wire::match_route(routes, method, parts.uri.path())?;
    let spec = route.spec;
    *shared.lock().calls.entry(spec.name.to_owned()).or_insert(0) += 1;
    match fault {
        Some(Fault::ServerError) => return Err(Rejection::Html500),
        Some(Fault::BreakConnection) => return Err(Rejection::Break),
        Some(Fault::InternalError) => {
            return Err(
                FakeError::internal("internal error injected by Fault::InternalError").into(),
            )
        }
        Some(Fault::CorruptDownload) | Some(Fault::TruncateDownload) | None => {}
    }
    let multipart = spec.body == BodyKind::Multipart;
    let limit = if multipart {
        shared.max_upload_bytes
    } else {
        MAX_JSON_BODY
    };
    let now = shared.clock.now();
    if spec.auth.signed() {
        // What the signature needs no body for is checked before the body
        // is read: an unsigned request must not make the fake read and hold
        // an upload of up to `max_upload_bytes`.
        signature::check_head(&parts.headers, now, multipart, |app_id| {
            shared.lock().apps.contains_key(app_id)
        })?;
    }
    let body = read_body(body, limit, shared.read_timeout).await?;
    let path_and_query = parts.uri.path_and_query().map_or("", |pq| pq.as_str());
    let query = parts.uri.query().unwrap_or("");
    let signed_by = if spec.auth.signed() {
        Some(signature::verify(
            &parts.headers,
            path_and_query,
            &body,
            now,
            multipart,
            |app_id| shared.lock().apps.get(app_id).map(|a| a.key.clone()),
        )?)
    } else {
        None
    };
    let user = if spec.auth.user() {
        let token = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "access_token")
            .map(|(_, value)| value.into_owned())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                FakeError::invalid_argument("query parameter `access_token` is required")
            })?;
        Some(shared.lock().user_of(&token, now)?)
    } else {
        None
    };
    // The call counts against the app that signed it, or whose user token it carries.
    let app_id = signed_by
        .or_else(|| user.as_ref().map(|(app, _)| app.clone()))
        .unwrap_or_default();
    if !app_id.is_empty() {
        shared.lock().count_call(&app_id, now)?;
    }
    let mut request = WireRequest::new(spec, captured, query, &body);
    if multipart {
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let form = wire::parse_form(content_type, body.clone()).await?;
        request = request.with_form(form);
    }
    let disposition = parts
        .headers
        .get(hyper::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(disposition_filename);
    let request = request.with_disposition(disposition);
    request.check_body()?;
    let hold = shared.lock().holds.get(spec.name).copied();
    let now = match hold {
        // Dropped here when the client goes away: the handler never runs.
        Some(hold) => {
            tokio::time::sleep(hold).await;
            shared.clock.now()
        }
        None => now,
    };
    let call = Call {
        shared,
        app_id: &app_id,
        user_id: user.as_ref().map(|(_, user)| user.as_str()),
        now,
    };
    Ok(shared.api.call(route, &call, &request)?)
}

/// The `filename="…"` of a `Content-Disposition` header (the upload pages'
/// way to name the file, outside the signature).
fn disposition_filename(header: &str) -> Option<String> {
    header.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("filename"))
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|name| !name.is_empty())
    })
}

/// The runtime's name for an HTTP method the API may use.
fn runtime_method(method: &Method) -> Option<crate::runtime::Method> {
    use crate::runtime::Method as M;
    Some(match *method {
        Method::GET => M::Get,
        Method::POST => M::Post,
        Method::PUT => M::Put,
        Method::PATCH => M::Patch,
        Method::DELETE => M::Delete,
        _ => return None,
    })
}

/// `GET /h5/auth?app_id&scope&redirect_uri[&state]`: the authorize page, on
/// which the (fake) user consents at once: a `302` to
/// `redirect_uri?code=…&state=…` (`&code=` when `redirect_uri` has a query).
fn authorize_page(shared: &Shared, req: &Request<Incoming>) -> Response<FakeBody> {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (Some(app_id), Some(_scope), Some(redirect_uri)) =
        (get("app_id"), get("scope"), get("redirect_uri"))
    else {
        return error_response(&FakeError::invalid_argument(
            "the authorize page needs app_id, scope and redirect_uri",
        ));
    };
    if !shared.lock().apps.contains_key(app_id) {
        return error_response(&FakeError::invalid_argument(format!(
            "unknown app_id {app_id:?}"
        )));
    }
    let code = format!("fake-code-{}", super::state::random_lowercase(24));
    let now = shared.clock.now();
    shared.lock().insert_oauth_code(
        code.clone(),
        super::state::OauthCode {
            app_id: app_id.to_owned(),
            user_id: super::state::DEFAULT_USER_ID.to_owned(),
            expire_at: now + super::OAUTH_CODE_TTL,
        },
        now,
    );
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("code", &code);
    if let Some(state) = get("state") {
        back.append_pair("state", state);
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", back.finish());
    let mut response = Response::new(FakeBody::full(Bytes::new()));
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response
            .headers_mut()
            .insert(hyper::header::LOCATION, value);
    }
    response
}

/// `GET /fake/download/<id>`: unsigned, like a presigned CDN URL.
fn download(shared: &Shared, req: &Request<Incoming>) -> Response<FakeBody> {
    if req.method() != Method::GET {
        return error_response(&FakeError::fake(
            FakeCode::MethodNotAllowed,
            format!("download URLs only accept GET, got {}", req.method()),
        ));
    }
    let id = req
        .uri()
        .path()
        .strip_prefix("/fake/download/")
        .map(|id| percent_decode_str(id).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    let id = id.as_str();
    let (entry, fault) = {
        let mut st = shared.lock();
        match st.downloads.get(id).cloned() {
            Some(entry) => {
                st.downloads_served += 1;
                (entry, st.fault)
            }
            None => {
                drop(st);
                return error_response(&FakeError::file_not_found(format!(
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

fn error_response(e: &FakeError) -> Response<FakeBody> {
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
