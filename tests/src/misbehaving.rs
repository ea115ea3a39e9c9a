//! A small HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.
//!
//! Each request is answered by a script, `Fn(index, &RecordedRequest) -> Reply`,
//! where `index` counts requests from 0 across the server's life. A [`Reply`]
//! can be a well-formed response, or a fault: a reset connection, silence, a
//! truncated body, raw bytes. Every response closes its connection
//! (`Connection: close`), so each attempt of a client is a new connection and
//! faults cannot leak into the next request.
//!
//! The server is written on raw `tokio` sockets (no HTTP library) so it can
//! break the protocol in ways a well-behaved server library would not allow.
//! It stops (and drops every open connection) when the [`MisbehavingServer`]
//! is dropped.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The largest request head plus body the server reads.
const MAX_REQUEST: usize = 1024 * 1024;

/// One request as the server received it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the server answers one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A complete response with `Content-Length`.
    Response {
        /// HTTP status.
        status: u16,
        /// Extra headers (`Content-Length`, `Connection` are added).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Declares `Content-Length: declared` but sends only `body`, then closes.
    Truncated {
        /// HTTP status.
        status: u16,
        /// The announced length (larger than `body`).
        declared: usize,
        /// What is actually sent.
        body: Vec<u8>,
    },
    /// Writes these bytes as they are, then closes.
    Raw(Vec<u8>),
    /// Closes the connection with a TCP reset, without answering.
    Reset,
    /// Keeps the connection open and never answers.
    Silence,
    /// Sends `chunk` `count` times (`None`: until the client goes away),
    /// waiting `interval` before each, framed as `framing` says.
    Stream {
        /// HTTP status.
        status: u16,
        /// Extra headers (framing headers are added).
        headers: Vec<(String, String)>,
        /// How the body's end is marked.
        framing: Framing,
        /// What each write sends.
        chunk: Vec<u8>,
        /// How many writes (`None`: endless).
        count: Option<usize>,
        /// Pause before each write.
        interval: Duration,
    },
}

/// How a [`Reply::Stream`] body marks its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n` (the stream may send less, then close: truncated).
    Length(u64),
    /// `Transfer-Encoding: chunked`, with the final chunk after the last write
    /// (never, for an endless stream).
    Chunked,
    /// No length: the body ends when the connection closes.
    Close,
}

impl Reply {
    /// A `application/json` response.
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    /// `200` with the success envelope `{"code":0,"data":data}`.
    pub fn ok(data: &str) -> Reply {
        Reply::json(200, format!(r#"{{"code":0,"data":{data}}}"#))
    }

    /// An error envelope with `status`.
    pub fn error(status: u16, code: i64, message: &str, hint: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({ "code": code, "message": message, "hint": hint }).to_string(),
        )
    }

    /// A `text/html` page with `status`.
    pub fn html(status: u16, body: &str) -> Reply {
        Reply::Response {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A redirect to `location`, with an empty body.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Response {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// `200` with a body streamed in `chunk`s, see [`Reply::Stream`].
    pub fn stream(
        framing: Framing,
        chunk: &[u8],
        count: Option<usize>,
        interval: Duration,
    ) -> Reply {
        Reply::Stream {
            status: 200,
            headers: vec![("Content-Type".into(), "application/octet-stream".into())],
            framing,
            chunk: chunk.to_vec(),
            count,
            interval,
        }
    }

    /// Adds a header to a [`Reply::Response`] or [`Reply::Stream`] (no effect
    /// on other replies).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        if let Reply::Response { headers, .. } | Reply::Stream { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.into()));
        }
        self
    }

    /// Adds `Date: now + skew` (in seconds), as an HTTP date.
    pub fn with_date(self, skew_secs: i64) -> Reply {
        let now = SystemTime::now();
        let at = if skew_secs >= 0 {
            now + Duration::from_secs(skew_secs as u64)
        } else {
            now - Duration::from_secs(skew_secs.unsigned_abs())
        };
        self.with_header("Date", httpdate::fmt_http_date(at))
    }
}

type Script = dyn Fn(usize, &RecordedRequest) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    requests: AtomicUsize,
    connections: AtomicUsize,
    recorded: Mutex<Vec<RecordedRequest>>,
}

/// A running misbehaving server; it stops when dropped.
pub struct MisbehavingServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for MisbehavingServer {
    fn drop(&mut self) {
        // Aborting the accept task drops its JoinSet, which aborts every
        // connection task (silent ones included).
        self.task.abort();
    }
}

impl MisbehavingServer {
    /// Starts a server on `127.0.0.1:0` answering with `script`.
    pub async fn start(
        script: impl Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> io::Result<MisbehavingServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Box::new(script),
            requests: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            recorded: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(MisbehavingServer { addr, shared, task })
    }

    /// Starts a server that gives the replies in order, then repeats the last one.
    pub async fn sequence(replies: Vec<Reply>) -> io::Result<MisbehavingServer> {
        assert!(!replies.is_empty(), "at least one reply");
        MisbehavingServer::start(move |i, _| replies[i.min(replies.len() - 1)].clone()).await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far (complete heads).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far, in order of arrival.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        self.shared
            .recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(serve(stream, shared.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = shared.requests.fetch_add(1, Ordering::SeqCst);
    shared
        .recorded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(request.clone());
    let reply = (shared.script)(index, &request);
    match reply {
        Reply::Response {
            status,
            headers,
            body,
        } => {
            let mut out = head(status, &headers, body.len());
            out.extend_from_slice(&body);
            let _ = stream.write_all(&out).await;
            let _ = stream.shutdown().await;
        }
        Reply::Truncated {
            status,
            declared,
            body,
        } => {
            let mut out = head(
                status,
                &[("Content-Type".into(), "application/json".into())],
                declared,
            );
            out.extend_from_slice(&body);
            let _ = stream.write_all(&out).await;
            let _ = stream.flush().await;
            // Give the client the partial body before the close.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Reset => {
            // SO_LINGER 0: dropping the socket sends RST instead of FIN.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
        Reply::Silence => {
            // Hold the connection until the server is dropped.
            std::future::pending::<()>().await;
        }
        Reply::Stream {
            status,
            headers,
            framing,
            chunk,
            count,
            interval,
        } => {
            let _ = stream_body(
                &mut stream,
                status,
                &headers,
                framing,
                &chunk,
                count,
                interval,
            )
            .await;
            let _ = stream.shutdown().await;
        }
    }
}

/// Writes a [`Reply::Stream`]; stops at the first write error (the client left).
async fn stream_body(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    framing: Framing,
    chunk: &[u8],
    count: Option<usize>,
    interval: Duration,
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    match framing {
        Framing::Length(n) => out.push_str(&format!("Content-Length: {n}\r\n")),
        Framing::Chunked => out.push_str("Transfer-Encoding: chunked\r\n"),
        Framing::Close => {}
    }
    out.push_str("Connection: close\r\n\r\n");
    stream.write_all(out.as_bytes()).await?;
    let mut sent = 0;
    while count.is_none_or(|count| sent < count) {
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        if framing == Framing::Chunked {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
            stream.write_all(&framed).await?;
        } else {
            stream.write_all(chunk).await?;
        }
        sent += 1;
    }
    if framing == Framing::Chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn head(status: u16, headers: &[(String, String)], length: usize) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ));
    out.into_bytes()
}

/// Reads one request head and its `Content-Length` body; `None` when the
/// client went away or sent something unreadable.
async fn read_request(stream: &mut TcpStream) -> Option<RecordedRequest> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(RecordedRequest {
        method,
        target,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
