//! A stateful fake kdocs server for tests (feature `fake`).
//!
//! [`FakeKdocs`] is a real HTTP/1.1 server on `127.0.0.1` that answers every
//! endpoint of `api-spec/`. It reads the same descriptors as the client (each
//! operation's generated `SPEC` and `from_params`, see [`wire`]): its routes,
//! the decoding of each request into the generated request type, and, for
//! every operation without a handler, the example answer built from the
//! spec. A request that
//! breaks the spec is refused as kdocs refuses a bad argument (`10001`, the
//! hint naming the parameter); a path or method the spec lacks gets the fake's
//! own codes below. An endpoint added to the YAML is served at once, with no
//! Rust code.
//!
//! The operations whose answers depend on earlier calls keep state, written by
//! hand (files, anonymous tokens, access and exchange tokens):
//!
//! | Operation (name in [`FakeStats::calls`]) | Method and path |
//! |---|---|
//! | `create_anonymous_preview` | `POST /api/v1/openapi/anonymous/preview/appspace/with_token` |
//! | `refresh_anonymous_token` | `POST /api/v1/openapi/anonymous/token` |
//! | `cancel_anonymous_token` | `DELETE /api/v1/openapi/anonymous/token/{token}` |
//! | `get_edit_url_with_token` | `GET /api/v1/openapi/appspace/files/{file_token}/url/with_edit_token?access_token=…` |
//! | `get_download_url` | `GET /api/v1/openapi/appspace/files/{file_token}/download?file_token=…` |
//! | the 15 operations of the `personal` family (`list_personal_files`, …) | `/api/v1/openapi/personal/…`, see [Personal files](#personal-files) |
//! | `extract_plain_text`, `convert_to_pdf`, `_jpg`, `_txt`, `_pptx`, `get_office_task` | `/api/v1/openapi/office/…`, see [Office tasks](#office-tasks) |
//!
//! plus `GET /fake/download/{id}`, the unsigned "CDN" URL that `get_download_url`
//! and `get_personal_download_url` hand out, which streams the file bytes in 64 KiB frames.
//! A file added with [`FakeKdocs::add_generated_file`](FakeState::add_generated_file) (an invention of the fake, for
//! download benchmarks) is generated as it is streamed, so a 1 GiB file costs the fake no
//! memory.
//!
//! Every API request is checked like the real platform does: the `WPS-2`
//! signature (`Date`, `Content-Md5`, `Content-Type`, `Authorization`) is verified by
//! the fake's own code (it never calls the client's signer), then the app's daily
//! quota is counted, then the parameters are decoded. What the signature needs
//! no body for (the four headers, a known app id, a signature of 40 and a
//! `Content-Md5` of 32 lowercase hex digits, a `Date` within 15 minutes) is
//! checked before the body is read: an unsigned request cannot make the fake
//! read and hold an upload of up to its body limit. Successes answer
//! `{"code":0,"data":{…}}`; failures answer
//! `{"code":N,"message":"Name","hint":"what went wrong"}` with an HTTP error status.
//!
//! Path segments are split on `/` first and then percent-decoded, so a token such as
//! `a/b?c#d` must be sent as the single segment `a%2Fb%3Fc%23d`. The signed URI is the
//! path and query exactly as they appear on the wire.
//!
//! [`FakeKdocs::start_serving`] serves the operations of any generated client
//! the same way (its `for_each_operation`), with your own handlers
//! ([`wire::Api::on`]).
//!
//! # Starting it in a test
//!
//! ```no_run
//! use std::time::Duration;
//! use kdocs_client::fake::{FakeConfig, FakeKdocs, Fault};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(20)).await?;
//! // A client of the fake: its base URL, app id and key.
//! let client = fake.client()?;
//! # let _ = &client;
//! let file_token = fake.add_file("report.docx", b"hello".to_vec());
//! let access_token = fake.issue_access_token();
//! # let _ = (&file_token, &access_token);
//!
//! // ... call the client; the anonymous preview endpoint returns a task id,
//! // and the token it created is visible to the test:
//! # let task_id = String::new();
//! let token = fake.anonymous_token_for_task(&task_id);
//! # let _ = token;
//!
//! // Time travel: expire anonymous tokens (24 h by default).
//! fake.clock().advance(Duration::from_secs(24 * 3600 + 1));
//!
//! // Failure injection.
//! fake.set_fault(Some(Fault::ServerError));
//! fake.set_fault(None);
//!
//! assert_eq!(fake.stats().calls_to("refresh_anonymous_token"), 0);
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The default app ([`DEFAULT_APP_ID`] / [`DEFAULT_APP_KEY`], a "test app" with 500
//! calls a day) is fixed so that failures are reproducible; use
//! [`FakeConfig::with_app`] for other credentials and [`FakeKdocs::add_app`](FakeState::add_app) for more
//! apps (for example a production app with 100 000 calls a day).
//! Access tokens for the edit-URL endpoint come from [`FakeKdocs::issue_access_token`](FakeState::issue_access_token);
//! files from [`FakeKdocs::add_file`](FakeState::add_file). The kdocs "query anonymous task" endpoint is not
//! among the documented pages, so tests read a task's token with
//! [`FakeKdocs::anonymous_token_for_task`](FakeState::anonymous_token_for_task) (or skip the HTTP call altogether with
//! [`FakeKdocs::create_preview_token`](FakeState::create_preview_token)).
//!
//! # Error codes
//!
//! | `code` | `message` | HTTP | Origin | When |
//! |---|---|---|---|---|
//! | `10001` | `InvalidArgument` | 400 | kdocs, stated on `/server/anonymous/local.html` | missing, empty or mistyped parameter, body not valid JSON; the hint names the parameter |
//! | `20007` | `AccessTokenInvalid` | 401 | kdocs, seen in answers quoted by public clients | `access_token` was not issued by the fake |
//! | `994031` | `FakeSignatureRefused` | 403 | **invented by this fake** | signature headers missing or wrong, `Date` more than 15 minutes off, unknown app id; the hint says which part failed |
//! | `994032` | `FakeAnonymousTokenExpired` | 403 | **invented by this fake** | refresh of an anonymous token past its expiry; create a new anonymous preview task |
//! | `994041` | `FakeFileNotFound` | 404 | **invented by this fake** | unknown `file_token` or download id |
//! | `994042` | `FakeAnonymousTokenNotFound` | 404 | **invented by this fake** | anonymous token unknown, cancelled, or replaced by a refresh |
//! | `994043` | `FakeNoSuchEndpoint` | 404 | **invented by this fake** | no endpoint has the path |
//! | `994044` | `FakeOfficeTaskNotFound` | 404 | **invented by this fake** | `get_office_task` of a `task_id` the fake never started |
//! | `994051` | `FakeMethodNotAllowed` | 405 | **invented by this fake** | the path exists with another method |
//! | `994081` | `FakeBodyTimeout` | 408 | **invented by this fake** | the body did not arrive within the read timeout |
//! | `994131` | `FakeBodyTooLarge` | 413 | **invented by this fake** | the body is over 64 KiB (JSON routes) |
//! | `994291` | `FakeDailyLimitReached` | 429 | **invented by this fake** | the app's daily quota is used up; `Retry-After` = seconds until the next UTC day on the fake clock |
//! | `995001` | `FakeInternalError` | 500 | **invented by this fake** | only from [`Fault::InternalError`] |
//!
//! The public kdocs pages refer to an error-code page without listing codes for
//! the situations of the [`FakeCode`] rows, so those codes are the fake's own: six
//! digits (`99`, the HTTP status, a running number), which no five-digit kdocs
//! code can be mistaken for, and a `message` starting with `Fake`. The real
//! service answers these situations with codes no public page gives. The client
//! knows none of the fake's codes: they reach it as `ErrorCode::Unknown(n)`, and
//! its `Error::is_auth`, `is_not_found` and `is_retryable` then go by the HTTP
//! status, as they would for an undocumented kdocs code. Code written against the
//! fake should do the same and never match these numbers.

//! # Personal files
//!
//! Each user (the user of the request's `access_token`; see
//! [`FakeKdocs::issue_access_token_for`](FakeState::issue_access_token_for)) has a drive of their own: 我的文档 with
//! folders and files, created on first use. The personal-file operations act on
//! it: create (a blank document; `filename` must end in `.ksheet`, `.dbt`, `.otl`,
//! `.pptx`, `.ppt`, `.docx`, `.doc`, `.xlsx` or `.xls`), upload, create from
//! one of the fake's own download URLs, rename, move, copy (a folder with its
//! contents), move to the recycle bin (a folder hides its contents with it),
//! list the recycle bin, recover (into the old folder, or into 我的文档 when that
//! is in the bin too), download and edit URLs, and the four lists. With
//! `path_from_root` false and no `parent_id`, files go to
//! `/我的文档/应用/<app id>`, the app folder (the fake names it after the app
//! id), which `list_personal_app_files` lists.
//!
//! The lists sort folders first, then files, each by `order_by` (default
//! `fname`) and `order` (default `asc`); `offset` indexes that sorted list,
//! `count` (default 30) caps a page, and `next_offset` is the offset of the
//! next page, `-1` after the last one. `next_filter` names the kind (`folder`
//! or `file`) of the next page's first entry; `filter` is checked (`folder` or
//! `file`, and `group` for the flat list) but does not narrow the list.
//! `list_personal_files_flat` lists every entry of the drive, less the kinds in
//! `ignore`, and with `exts` only files with those extensions.
//!
//! **Most field names of these answers are the fake's own** (the pages show no
//! field of `data` but the lists' `next_offset` and `next_filter`, and, in their
//! prose, `task_id` and `file_ids` of move and copy). Those public code reads
//! (a file's `id.open_id`, `fname`, `ftype` and `mtime`; a download's `url`,
//! `fsize` and `checksums.sha1`) are typed in the generated answers; the client
//! keeps the others as JSON (`others`, or `serde_json::Value` for an `any`
//! answer):
//!
//! | Operation | The fake's answer (`data`) |
//! |---|---|
//! | a file or folder, as the fake shows it | `{"id": {"open_id"}, "fname", "ftype": "file" \| "folder", "fsize", "parent_id", "ctime", "mtime"}` (times in Unix seconds); `id.open_id` is its `file_token` |
//! | `list_personal_files`, `_flat`, `list_personal_app_files` | `{"files": [file…], "next_offset", "next_filter"}` |
//! | `list_personal_recent_files` | `{"files": [file…]}`, the newest `mtime` first |
//! | `list_personal_recycle_bin` | `[file…]`, the last one binned first |
//! | `create_personal_file`, `upload_personal_file`, `create_personal_file_from_url`, `rename_personal_file` | the file |
//! | `move_personal_files` | `{"task_id": ""}`: done at once, as an empty `task_id` means on the page |
//! | `copy_personal_files` | `{"task_id": "", "file_ids": [new ids]}` |
//! | `trash_personal_file`, `recover_personal_files` | `{}` |
//! | `get_personal_download_url` | `{"url", "fsize", "checksums": {"sha1", "md5"}}`; `url` is a `/fake/download/…` URL |
//! | `get_personal_edit_url_with_token` | `{"url", "token": {"value", "expire_at"}}`, like the app-space edit URL |
//!
//! Refusals: an unknown id, another user's, or one in the recycle bin is
//! [`FakeCode::FileNotFound`]; a folder where a file is needed (or the
//! reverse), the root folder as the thing to change, a move into the folder
//! the files are in or into themselves, files to move from several folders,
//! more than 100 ids, an unknown `order`, `order_by`, `filter` or `ignore`, and
//! a negative `offset` or a `count` below 1 are `10001`.
//!
//! # Office tasks
//!
//! `extract_plain_text` and the four `convert_to_*` calls start a task and
//! answer its `task_id` (`{"task_id"}` for to-jpg and to-pptx too, whose
//! answers the spec leaves open); `get_office_task` answers it as public code
//! reads it ([`Client::wait_for_task`](crate::Client::wait_for_task) polls it):
//!
//! - while the task runs (for [`FakeConfig::with_office_task_duration`] on the
//!   fake clock, [`DEFAULT_OFFICE_TASK_DURATION`] by default): `{}`, since no
//!   source shows what kdocs answers meanwhile;
//! - then `{"status": "success", "result": {…}}`: for an extraction, and a
//!   conversion to txt, `result.base_64_text` holds the file's bytes read as
//!   UTF-8 (the fake parses no document format; to txt drops line feeds
//!   unless `hold_line_feed`, as the page says); the other conversions give an
//!   empty `result`;
//! - or `{"status": "failed", "message"}`: for every task with
//!   [`FakeConfig::with_office_task_failure`], for one with
//!   [`FakeKdocs::fail_office_task`](FakeState::fail_office_task), and for a
//!   `url` that is not one of the fake's own download URLs (`/fake/download/…`,
//!   from `get_download_url` or `get_personal_download_url`), which the fake
//!   cannot fetch.
//!
//! An unknown `task_id` is [`FakeCode::OfficeTaskNotFound`]. The fake keeps the
//! last 10,000 tasks.
//!
//! # Fault switches
//!
//! [`FakeKdocs::set_fault`](FakeState::set_fault) turns on one [`Fault`] until it is switched off with
//! `set_fault(None)`. API faults affect only the API endpoints, download faults only
//! `/fake/download/…`:
//!
//! * [`Fault::ServerError`] (API): HTTP 500 with an HTML page instead of JSON.
//! * [`Fault::InternalError`] (API): HTTP 500 with the JSON envelope, code `995001`
//!   ([`FakeCode::InternalError`]).
//! * [`Fault::BreakConnection`] (API): the connection is closed without any response.
//! * [`Fault::CorruptDownload`] (download): some bytes of the content are flipped;
//!   the checksums returned by `get_download_url` stay those of the original.
//! * [`Fault::TruncateDownload`] (download): the full `Content-Length` is declared but
//!   only the first half is sent before the connection is closed.
//!
//! # Clock
//!
//! [`FakeKdocs::clock`](FakeState::clock) is the fake's [`FakeClock`]. It drives token expiry, the
//! `Date` check and the daily quota window; move it with [`FakeClock::advance`] or
//! [`FakeClock::set`]. Requests must then carry a `Date` within 15 minutes of the
//! fake time.

mod clock;
mod errors;
mod handlers;
mod server;
mod signature;
mod state;
#[cfg(test)]
mod tests;
pub mod wire;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use self::clock::FakeClock;
pub use self::errors::{FakeCode, FakeError, ACCESS_TOKEN_INVALID, INVALID_ARGUMENT};
pub use self::wire::Call;

pub use self::state::DEFAULT_OFFICE_TASK_DURATION;
use self::state::{OfficeTaskRules, State};

/// App id of the default test app.
pub const DEFAULT_APP_ID: &str = "SX20240101FAKEAPP";
/// App key of the default test app.
pub const DEFAULT_APP_KEY: &str = "fake-kdocs-app-key-0123456789abcdef";
/// Daily call quota of a kdocs test app (the default app).
pub const TEST_APP_DAILY_LIMIT: u32 = 500;
/// Daily call quota of a kdocs production app.
pub const PRODUCTION_APP_DAILY_LIMIT: u32 = 100_000;
/// Default lifetime of anonymous preview tokens (24 hours).
pub const DEFAULT_ANONYMOUS_TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Lifetime of the exchange token returned with an edit URL (10 minutes).
pub const EXCHANGE_TOKEN_TTL: Duration = server::EXCHANGE_TOKEN_TTL;

/// A failure the fake injects, see [`FakeKdocs::set_fault`](FakeState::set_fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Download fault: flip bytes of the served file content, while the checksums
    /// reported by `get_download_url` stay those of the original content.
    CorruptDownload,
    /// Download fault: declare the full `Content-Length`, send half the bytes, then
    /// close the connection.
    TruncateDownload,
    /// API fault: answer HTTP 500 with a `text/html` page (not JSON).
    ServerError,
    /// API fault: answer HTTP 500 with the JSON envelope, code
    /// [`FakeCode::InternalError`] (`995001`, the fake's own).
    InternalError,
    /// API fault: close the connection without sending a response.
    BreakConnection,
}

/// How to start a [`FakeKdocs`].
///
/// The default has one test app ([`DEFAULT_APP_ID`], [`DEFAULT_APP_KEY`], 500 calls a
/// day), a 24 h anonymous-token lifetime, a real-time clock, and binds `127.0.0.1:0`
/// (a free port).
///
/// `Debug` shows the app id, never the key.
#[derive(Clone)]
pub struct FakeConfig {
    app_id: String,
    app_key: String,
    daily_limit: u32,
    anonymous_token_ttl: Duration,
    addr: SocketAddr,
    clock: FakeClock,
    max_connections: usize,
    read_timeout: Duration,
    max_upload_bytes: usize,
    access_token_ttl: Duration,
    rotate_refresh_tokens: bool,
    office_tasks: OfficeTaskRules,
}

impl std::fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeConfig")
            .field("app_id", &self.app_id)
            .field("app_key", &"***")
            .field("daily_limit", &self.daily_limit)
            .field("anonymous_token_ttl", &self.anonymous_token_ttl)
            .field("addr", &self.addr)
            .field("clock", &self.clock)
            .field("max_connections", &self.max_connections)
            .field("read_timeout", &self.read_timeout)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("office_tasks", &self.office_tasks)
            .finish()
    }
}

/// Connections the fake serves at once unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Lifetime of the access tokens the OAuth calls issue, unless told otherwise
/// (24 hours, as public clients' comments say; no page confirms it).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long an authorization code from the authorize page works (5 minutes,
/// as `/common/authorization/web.html` says).
pub const OAUTH_CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// The largest multipart (upload) body the fake reads unless told otherwise.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;
/// Time a client has to send a request head (also between two requests on a
/// kept-alive connection), and then its body, unless told otherwise.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            app_id: DEFAULT_APP_ID.to_owned(),
            app_key: DEFAULT_APP_KEY.to_owned(),
            daily_limit: TEST_APP_DAILY_LIMIT,
            anonymous_token_ttl: DEFAULT_ANONYMOUS_TOKEN_TTL,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clock: FakeClock::new(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            rotate_refresh_tokens: true,
            office_tasks: OfficeTaskRules::default(),
        }
    }
}

impl FakeConfig {
    /// Daily call quota of the default app (default 500).
    pub fn with_daily_limit(mut self, limit: u32) -> Self {
        self.daily_limit = limit;
        self
    }

    /// Lifetime of anonymous tokens created or refreshed by the fake (default 24 h).
    pub fn with_anonymous_token_ttl(mut self, ttl: Duration) -> Self {
        self.anonymous_token_ttl = ttl;
        self
    }

    /// Address to bind; must be a loopback address (default `127.0.0.1:0`).
    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Credentials of the default app (default [`DEFAULT_APP_ID`] / [`DEFAULT_APP_KEY`]).
    pub fn with_app(mut self, app_id: impl Into<String>, app_key: impl Into<String>) -> Self {
        self.app_id = app_id.into();
        self.app_key = app_key.into();
        self
    }

    /// Clock to use, for sharing one [`FakeClock`] with other test code
    /// (default: a new clock following real time).
    pub fn with_clock(mut self, clock: FakeClock) -> Self {
        self.clock = clock;
        self
    }

    /// Connections served at once (default [`DEFAULT_MAX_CONNECTIONS`]); more
    /// wait until one closes.
    pub fn with_max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// Lifetime of the access tokens the OAuth calls issue (default
    /// [`DEFAULT_ACCESS_TOKEN_TTL`]); an expired one is refused with `20007`.
    pub fn with_access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Whether a refresh (`refresh_oauth_token`) answers a new refresh token
    /// and retires the one sent (default: yes). Public clients read a new
    /// `refresh_token` from the refresh answer; no page says whether the old
    /// one keeps working, so the fake takes the strict reading: a retired
    /// token is refused with [`FakeCode::RefreshTokenReplaced`], the fake's
    /// own code. With `false`, the refresh answers no refresh token and the
    /// one sent keeps working.
    pub fn with_refresh_token_rotation(mut self, rotate: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self
    }

    /// The largest multipart body (an upload) the fake reads (default
    /// [`DEFAULT_MAX_UPLOAD_BYTES`]); JSON bodies stay limited to 64 KiB.
    pub fn with_max_upload_bytes(mut self, limit: usize) -> Self {
        self.max_upload_bytes = limit;
        self
    }

    /// How long the office tasks that extract_plain_text and convert_* start
    /// stay pending, on the fake clock, before they end (default
    /// [`DEFAULT_OFFICE_TASK_DURATION`]; `Duration::ZERO`: done at the first
    /// query). See [Office tasks](crate::fake#office-tasks).
    pub fn with_office_task_duration(mut self, duration: Duration) -> Self {
        self.office_tasks.duration = duration;
        self
    }

    /// Makes every office task fail with `message` once its time comes,
    /// instead of succeeding (default: they succeed;
    /// [`FakeKdocs::fail_office_task`](FakeState::fail_office_task) fails one).
    pub fn with_office_task_failure(mut self, message: impl Into<String>) -> Self {
        self.office_tasks.failure = Some(message.into());
        self
    }

    /// Time a client has to send a complete request head (also while a
    /// kept-alive connection sits idle between requests: the connection is
    /// then closed), and then, separately, its body (the request is then
    /// answered 408). Default [`DEFAULT_READ_TIMEOUT`].
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }
}

/// A snapshot of the fake's counters, from [`FakeKdocs::stats`](FakeState::stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeStats {
    /// Requests routed to each operation (by its name in the spec:
    /// `"get_download_url"`, `"list_personal_files"`, …), whatever their outcome.
    pub calls: BTreeMap<String, u64>,
    /// Every request to a non-download path, including rejected and unroutable ones.
    pub total_api_calls: u64,
    /// API requests that got no success answer (error envelope or injected fault).
    pub rejected_calls: u64,
    /// TCP connections accepted.
    pub connections_accepted: u64,
    /// Download URLs served (`GET /fake/download/…` with a known id).
    pub downloads_served: u64,
    /// Calls counted against each app's quota on the fake clock's current UTC day.
    pub calls_today: BTreeMap<String, u32>,
}

impl FakeStats {
    /// Requests routed to operation `op` (0 if none).
    pub fn calls_to(&self, op: &str) -> u64 {
        self.calls.get(op).copied().unwrap_or(0)
    }
}

/// State shared by the handle and the connection tasks.
/// The state of a running fake kdocs server (see its methods).
pub struct FakeState {
    state: Mutex<State>,
    clock: FakeClock,
    app_id: String,
    app_key: String,
    anonymous_token_ttl: Duration,
    base_url: String,
    addr: SocketAddr,
    connections: AtomicU64,
    read_timeout: Duration,
    /// The largest multipart body accepted.
    max_upload_bytes: usize,
    /// Lifetime of the access tokens the OAuth calls issue.
    access_token_ttl: Duration,
    /// Whether a refresh replaces the refresh token.
    rotate_refresh_tokens: bool,
    /// How office tasks run.
    office_tasks: OfficeTaskRules,
    /// The spec's routes and their handlers.
    api: wire::Api,
}

/// The server's side of the state, as its own modules call it.
pub(crate) type Shared = FakeState;

impl std::fmt::Debug for FakeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeState")
            .field("addr", &self.addr)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

impl FakeState {
    /// Locks the state (recovering from poisoning; the state stays consistent).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Stops the server when the last handle goes away.
struct ServerGuard {
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A running fake kdocs server.
///
/// Cloning gives another handle to the same server. The server stops on
/// [`FakeKdocs::shutdown`] or when the last handle is dropped.
#[derive(Clone)]
pub struct FakeKdocs {
    shared: Arc<Shared>,
    guard: Arc<ServerGuard>,
}

impl std::ops::Deref for FakeKdocs {
    type Target = FakeState;

    fn deref(&self) -> &FakeState {
        &self.shared
    }
}

impl std::fmt::Debug for FakeKdocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKdocs")
            .field("addr", &self.shared.addr)
            .field("app_id", &self.shared.app_id)
            .finish_non_exhaustive()
    }
}

impl FakeKdocs {
    /// Binds `config`'s address and starts serving on the current tokio runtime.
    ///
    /// Fails with [`std::io::ErrorKind::InvalidInput`] for a non-loopback address,
    /// or with the bind error.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeKdocs> {
        Self::start_serving(config, Self::kdocs_api()).await
    }

    /// kdocs' API as [`FakeKdocs::start`] serves it: every operation of the
    /// generated client, with the fake's stateful handlers. Add handlers of
    /// your own ([`wire::Api::on`]: an endpoint of your own YAML, or other
    /// answers for one of kdocs') and serve it with [`FakeKdocs::start_serving`];
    /// a handler reaches the fake's files and tokens through
    /// [`Call::state`](wire::Call::state).
    ///
    /// ```no_run
    /// use kdocs_client::fake::{FakeConfig, FakeError, FakeKdocs};
    /// use kdocs_client::GetUserInfoRequest;
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let api = FakeKdocs::kdocs_api().on::<GetUserInfoRequest, _>(|call, _request| {
    ///     // The state every handler shares: here, the app's call counts.
    ///     let calls = call.state().stats().calls.len();
    ///     serde_json::from_value(serde_json::json!({ "calls": calls }))
    ///         .map_err(|e| FakeError::internal(e.to_string()))
    /// });
    /// let fake = FakeKdocs::start_serving(FakeConfig::default(), api).await?;
    /// # let _ = fake; Ok(()) }
    /// ```
    pub fn kdocs_api() -> wire::Api {
        handlers::kdocs()
    }

    /// Like [`FakeKdocs::start`], but answers the routes of `api`: the
    /// operations of any generated client (its `for_each_operation`), with
    /// your handlers. Signatures, quotas, the clock and faults work as for
    /// kdocs' own API; parameters are decoded and checked by each operation's
    /// `from_params`, and every operation without a handler answers with the
    /// spec's example.
    ///
    /// ```no_run
    /// use kdocs_client::fake::{wire::Api, FakeConfig, FakeKdocs};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// // Every endpoint answers with its example from the spec.
    /// let api = Api::new(kdocs_client::for_each_operation);
    /// let fake = FakeKdocs::start_serving(FakeConfig::default(), api).await?;
    /// # let _ = fake; Ok(()) }
    /// ```
    pub async fn start_serving(config: FakeConfig, api: wire::Api) -> std::io::Result<FakeKdocs> {
        if !config.addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the fake kdocs server only binds loopback addresses, not {}",
                    config.addr
                ),
            ));
        }
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let mut state = State::default();
        state.add_app(&config.app_id, &config.app_key, config.daily_limit);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            clock: config.clock,
            app_id: config.app_id,
            app_key: config.app_key,
            anonymous_token_ttl: config.anonymous_token_ttl,
            base_url: format!("http://{addr}"),
            addr,
            connections: AtomicU64::new(0),
            read_timeout: config.read_timeout,
            max_upload_bytes: config.max_upload_bytes,
            access_token_ttl: config.access_token_ttl,
            rotate_refresh_tokens: config.rotate_refresh_tokens,
            office_tasks: config.office_tasks,
            api,
        });
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(
            listener,
            shared.clone(),
            rx,
            config.max_connections,
        ));
        Ok(FakeKdocs {
            shared,
            guard: Arc::new(ServerGuard {
                shutdown: tx,
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// [`FakeKdocs::start`] from code that is not async: the server runs on
    /// a thread of its own, with a tokio runtime of its own, until the last
    /// handle is dropped (or [`shutdown`](FakeKdocs::shutdown)). For tests of
    /// blocking code, with [`blocking_client`](FakeKdocs::blocking_client):
    ///
    /// ```no_run
    /// # #[cfg(feature = "blocking")]
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use kdocs_client::fake::{FakeConfig, FakeKdocs};
    /// use kdocs_client::GetUserInfoRequest;
    ///
    /// let fake = FakeKdocs::start_blocking(FakeConfig::default())?;
    /// let client = fake.blocking_client()?;
    /// let user = client.get_user_info(GetUserInfoRequest::new(fake.issue_access_token()))?;
    /// # let _ = user; Ok(()) }
    /// ```
    pub fn start_blocking(config: FakeConfig) -> std::io::Result<FakeKdocs> {
        let (started, receive) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("kdocs-fake".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => return drop(started.send(Err(error))),
                };
                runtime.block_on(async move {
                    match FakeKdocs::start(config).await {
                        Ok(fake) => {
                            // The accept loop is awaited here, so that this
                            // runtime serves until the server stops.
                            let task = fake
                                .guard
                                .task
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .take();
                            let _ = started.send(Ok(fake));
                            if let Some(task) = task {
                                let _ = task.await;
                            }
                        }
                        Err(error) => drop(started.send(Err(error))),
                    }
                });
            })?;
        receive
            .recv()
            .map_err(|_| std::io::Error::other("the fake kdocs server's thread ended"))?
    }

    /// The app's credentials, as a client of this fake needs them.
    pub fn credentials(&self) -> crate::Credentials {
        crate::Credentials::new(self.app_id(), self.app_key())
    }

    /// A client configuration with this fake's base URL.
    pub fn config(&self) -> crate::Config {
        crate::Config::new().with_base_url(self.base_url())
    }

    /// A client of this fake: its credentials and [`config`](FakeKdocs::config).
    /// Fails as [`Client::new`](crate::Client::new) does (the HTTP client
    /// cannot be built).
    pub fn client(&self) -> Result<crate::Client, crate::Error> {
        crate::Client::new(self.credentials(), self.config())
    }

    /// A blocking client of this fake (the `blocking` feature), for tests of
    /// blocking code; see [`start_blocking`](FakeKdocs::start_blocking).
    #[cfg(feature = "blocking")]
    pub fn blocking_client(&self) -> Result<crate::blocking::Client, crate::Error> {
        crate::blocking::Client::new(self.credentials(), self.config())
    }

    /// Stops accepting connections, asks open connections to close once their
    /// current request is answered, and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.guard.shutdown.send(true);
        let task = self
            .guard
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The fake's state and configuration: its apps, files, tokens, clock,
/// faults and counters, in one place. A [`FakeKdocs`] reaches it through
/// `Deref` (`fake.add_file(…)`), and every handler through
/// [`Call::state`](wire::Call::state), so a handler written for an endpoint
/// of your own YAML uses the same files and tokens as the built-in ones.
impl FakeState {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// App id of the default app ([`DEFAULT_APP_ID`] unless [`FakeConfig::with_app`]).
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// App key of the default app ([`DEFAULT_APP_KEY`] unless [`FakeConfig::with_app`]).
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// Registers another app (or replaces one with the same id, resetting its counter).
    pub fn add_app(&self, app_id: &str, app_key: &str, daily_limit: u32) {
        self.lock().add_app(app_id, app_key, daily_limit);
    }

    /// Like [`FakeKdocs::issue_access_token`](FakeState::issue_access_token), for the user `user_id`: each
    /// user has personal files of their own.
    pub fn issue_access_token_for(&self, user_id: &str) -> String {
        let token = state::random_lowercase(32);
        let access = state::AccessToken {
            app_id: self.app_id.clone(),
            user_id: user_id.to_owned(),
            expire_at: None,
        };
        let mut st = self.lock();
        st.access_tokens.insert(token.clone(), access);
        token
    }

    /// The name and size in bytes of the app file `file_token`, if it exists.
    pub fn file(&self, file_token: &str) -> Option<(String, u64)> {
        self.lock()
            .files
            .get(file_token)
            .map(|f| (f.name.clone(), f.content.len() as u64))
    }

    /// Stores a file and returns its new `file_token` (23 ASCII letters and digits).
    pub fn add_file(&self, file_name: &str, content: impl Into<bytes::Bytes>) -> String {
        let entry = Arc::new(state::FileEntry::new(file_name, content.into()));
        let token = state::random_alphanumeric(23);
        let now = self.clock.now();
        let mut st = self.lock();
        st.files.insert(token.clone(), entry.clone());
        st.appspace.add(&token, entry, None, None, now);
        token
    }

    /// Stores a file of `len` generated bytes and returns its `file_token`:
    /// byte `i` of the content is `i % 251`, produced as it is downloaded, so
    /// a file of any size (1 GiB for a memory benchmark) costs the fake no
    /// memory. Its md5 and sha1 are computed here (a few seconds per GiB).
    /// An invention of the fake, for benchmarks; the API cannot create one.
    pub fn add_generated_file(&self, file_name: &str, len: u64) -> String {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let entry = Arc::new(state::FileEntry::generated(file_name, len));
        let token = state::random_alphanumeric(23);
        let now = self.clock.now();
        let mut st = self.lock();
        st.files.insert(token.clone(), entry.clone());
        st.appspace.add(&token, entry, None, None, now);
        token
    }

    /// A new version of app document `file_token` (as when someone edits it),
    /// returning its version number; `None` for an unknown document.
    pub fn add_version(&self, file_token: &str, content: impl Into<bytes::Bytes>) -> Option<i64> {
        let now = self.clock.now();
        let mut st = self.lock();
        let name = st.files.get(file_token)?.name.clone();
        let entry = Arc::new(state::FileEntry::new(&name, content.into()));
        let document = st.appspace.documents.get_mut(file_token)?;
        document.versions.push((entry.clone(), now));
        let version = document.versions.len() as i64;
        st.files.insert(file_token.to_owned(), entry);
        Some(version)
    }

    /// Issues an access token accepted by the edit-URL endpoint. Access tokens do not expire.
    pub fn issue_access_token(&self) -> String {
        let token = state::random_lowercase(32);
        let access = state::AccessToken {
            app_id: self.app_id.clone(),
            user_id: state::DEFAULT_USER_ID.to_owned(),
            expire_at: None,
        };
        self.lock().access_tokens.insert(token.clone(), access);
        token
    }

    /// What the authorize page does when the user consents: an authorization
    /// code for the default app and user, valid [`OAUTH_CODE_TTL`], once (see
    /// [`pending_oauth_codes`](Self::pending_oauth_codes) for how many are kept).
    /// (`GET /h5/auth?…` does the same and redirects with it.)
    pub fn authorize(&self) -> String {
        let code = format!("fake-code-{}", state::random_lowercase(24));
        let now = self.clock.now();
        let issued = state::OauthCode {
            app_id: self.app_id.clone(),
            user_id: state::DEFAULT_USER_ID.to_owned(),
            expire_at: now + OAUTH_CODE_TTL,
        };
        self.lock().insert_oauth_code(code.clone(), issued, now);
        code
    }

    /// How many authorization codes the fake holds: expired ones are dropped
    /// as new ones are made, and at most 10,000 are kept (the oldest gives
    /// way), however often the unauthenticated authorize page is called.
    pub fn pending_oauth_codes(&self) -> usize {
        self.lock().oauth_codes.len()
    }

    /// The current anonymous token of preview task `task_id` (the newest one after
    /// refreshes), or `None` for an unknown task or after cancellation. An expired
    /// token is still returned.
    pub fn anonymous_token_for_task(&self, task_id: &str) -> Option<String> {
        self.lock().tasks.get(task_id).and_then(|t| t.token.clone())
    }

    /// Creates an anonymous preview task for `file_token` without an HTTP call and
    /// returns its anonymous token (expiring after the configured TTL). The file does
    /// not have to exist.
    pub fn create_preview_token(&self, file_token: &str) -> String {
        let expire_at = self.clock.now() + self.anonymous_token_ttl;
        self.lock().create_task(file_token, false, expire_at).1
    }

    /// Whether the refresh and cancel endpoints would currently accept `token`
    /// (known, not expired, not cancelled, not replaced).
    pub fn is_anonymous_token_valid(&self, token: &str) -> bool {
        let now = self.clock.now();
        self.lock().live_anon_token(token, now).is_ok()
    }

    /// The fake's clock.
    pub fn clock(&self) -> &FakeClock {
        &self.clock
    }

    /// Turns a failure on (`Some`) or off (`None`); it stays until changed.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.lock().fault = fault;
    }

    /// Holds every answer of operation `op` (its spec name, such as
    /// `"refresh_oauth_token"`) for `delay` before its handler runs (`None`
    /// ends the hold). The request is read and counted first; a client that
    /// goes away meanwhile leaves no trace: the handler never runs. Tests
    /// use it to catch a caller in the middle of a call (a process killed
    /// while its refresh is under way, say).
    pub fn hold_answers(&self, op: &str, delay: Option<Duration>) {
        let mut state = self.lock();
        match delay {
            Some(delay) => state.holds.insert(op.to_owned(), delay),
            None => state.holds.remove(op),
        };
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> FakeStats {
        let now = self.clock.now();
        let connections = self.connections.load(Ordering::Relaxed);
        self.lock().snapshot(now, connections)
    }
}
