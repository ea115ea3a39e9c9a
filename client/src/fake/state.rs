//! In-memory state of the fake: apps, files, tokens, counters.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use sha1::{Digest, Sha1};

use super::clock::unix_secs;
use super::errors::FakeError;
use super::signature::{md5_hex, sha1_hex};
use super::{FakeStats, Fault};

/// A registered app.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) key: String,
    pub(crate) daily_limit: u32,
    /// UTC day number (`unix_secs / 86400`) that `calls_today` belongs to.
    pub(crate) day: u64,
    pub(crate) calls_today: u32,
}

/// A stored file.
#[derive(Debug)]
pub(crate) struct FileEntry {
    pub(crate) name: String,
    pub(crate) content: Bytes,
    pub(crate) md5: String,
    pub(crate) sha1: String,
}

impl FileEntry {
    pub(crate) fn new(name: &str, content: Bytes) -> FileEntry {
        FileEntry {
            name: name.to_owned(),
            md5: md5_hex(&content),
            sha1: sha1_hex(&content),
            content,
        }
    }
}

/// An anonymous preview task.
#[derive(Debug)]
pub(crate) struct Task {
    #[allow(dead_code)]
    pub(crate) file_token: String,
    #[allow(dead_code)]
    pub(crate) download: bool,
    /// The task's current anonymous token; `None` after cancellation.
    pub(crate) token: Option<String>,
}

/// A live anonymous token.
#[derive(Debug)]
pub(crate) struct AnonToken {
    pub(crate) task_id: String,
    pub(crate) expire_at: SystemTime,
}

/// Why an anonymous token is no longer accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DeadReason {
    Cancelled,
    Replaced,
}

/// A user access token: whose, for which app, until when.
#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) app_id: String,
    pub(crate) user_id: String,
    /// `None`: never expires (tokens from [`FakeKdocs::issue_access_token`](super::FakeKdocs::issue_access_token)).
    pub(crate) expire_at: Option<SystemTime>,
}

/// The app space: folders, and each document's place and versions. The
/// current content of a document is also in [`State::files`], where the
/// preview, edit-URL and download endpoints find it.
#[derive(Debug, Default)]
pub(crate) struct AppSpace {
    pub(crate) folders: HashMap<String, Folder>,
    pub(crate) documents: HashMap<String, AppDocument>,
}

/// An app-space folder.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
}

/// An app document's place and history.
#[derive(Debug, Clone)]
pub(crate) struct AppDocument {
    /// The folder it is in (`None`: the root).
    pub(crate) parent: Option<String>,
    /// Every version, oldest first (version n is `versions[n - 1]`).
    pub(crate) versions: Vec<(Arc<FileEntry>, SystemTime)>,
    pub(crate) created_at: SystemTime,
    pub(crate) creator: Option<String>,
}

impl AppSpace {
    /// A new document with one version.
    pub(crate) fn add(
        &mut self,
        token: &str,
        entry: Arc<FileEntry>,
        parent: Option<String>,
        creator: Option<String>,
        now: SystemTime,
    ) {
        self.documents.insert(
            token.to_owned(),
            AppDocument {
                parent,
                versions: vec![(entry, now)],
                created_at: now,
                creator,
            },
        );
    }

    /// The folder at `path` under the root, created where missing.
    pub(crate) fn folder_at(&mut self, path: &[String]) -> Option<String> {
        let mut parent: Option<String> = None;
        for name in path.iter().filter(|n| !n.is_empty()) {
            let found = self
                .folders
                .iter()
                .find(|(_, f)| &f.name == name && f.parent == parent)
                .map(|(token, _)| token.clone());
            let token = match found {
                Some(token) => token,
                None => {
                    let token = format!("folder-{}", random_alphanumeric(16));
                    self.folders.insert(
                        token.clone(),
                        Folder {
                            name: name.clone(),
                            parent: parent.clone(),
                        },
                    );
                    token
                }
            };
            parent = Some(token);
        }
        parent
    }
}

/// An authorization code from the authorize page, valid 5 minutes, once.
#[derive(Debug, Clone)]
pub(crate) struct OauthCode {
    pub(crate) app_id: String,
    pub(crate) user_id: String,
    pub(crate) expire_at: SystemTime,
}

/// The user the fake's tokens belong to unless a test says otherwise.
pub(crate) const DEFAULT_USER_ID: &str = "fake-user-1";

/// An exchange token returned with an edit URL.
#[derive(Debug)]
#[allow(dead_code)]
pub(crate) struct ExchangeToken {
    pub(crate) file_token: String,
    pub(crate) app_id: String,
    pub(crate) expire_at: SystemTime,
}

/// Everything the fake remembers. Guarded by one `std::sync::Mutex`, never held
/// across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) apps: HashMap<String, App>,
    pub(crate) files: HashMap<String, Arc<FileEntry>>,
    /// Each user's personal files (我的文档), by user id.
    pub(crate) personal: HashMap<String, super::handlers::personal::Drive>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) tasks: HashMap<String, Task>,
    pub(crate) anon_tokens: HashMap<String, AnonToken>,
    pub(crate) dead_tokens: HashMap<String, DeadReason>,
    pub(crate) exchange_tokens: HashMap<String, ExchangeToken>,
    /// App-space folders and the history of every app document.
    pub(crate) appspace: AppSpace,
    /// OAuth authorization codes not yet exchanged.
    pub(crate) oauth_codes: HashMap<String, OauthCode>,
    /// OAuth refresh tokens.
    pub(crate) refresh_tokens: HashMap<String, AccessToken>,
    pub(crate) downloads: HashMap<String, Arc<FileEntry>>,
    pub(crate) fault: Option<Fault>,
    pub(crate) calls: BTreeMap<String, u64>,
    pub(crate) total_api_calls: u64,
    pub(crate) rejected_calls: u64,
    pub(crate) downloads_served: u64,
}

/// The UTC day number of `now`.
pub(crate) fn day_of(now: SystemTime) -> u64 {
    unix_secs(now) / 86_400
}

impl State {
    pub(crate) fn add_app(&mut self, app_id: &str, app_key: &str, daily_limit: u32) {
        self.apps.insert(
            app_id.to_owned(),
            App {
                key: app_key.to_owned(),
                daily_limit,
                day: 0,
                calls_today: 0,
            },
        );
    }

    /// The app and user of a live access token, or the refusal kdocs gives
    /// (20007, as public clients quote it).
    pub(crate) fn user_of(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<(String, String), FakeError> {
        match self.access_tokens.get(token) {
            Some(t) if t.expire_at.is_none_or(|at| now < at) => {
                Ok((t.app_id.clone(), t.user_id.clone()))
            }
            Some(_) => Err(FakeError::access_token_invalid(
                "access_token has expired; refresh it with the refresh_token",
            )),
            None => Err(FakeError::access_token_invalid(
                "access_token is not a token this fake issued (see FakeKdocs::issue_access_token)",
            )),
        }
    }

    /// Counts one call for `app_id`, or refuses it when the daily quota is used up.
    pub(crate) fn count_call(&mut self, app_id: &str, now: SystemTime) -> Result<(), FakeError> {
        let day = day_of(now);
        let Some(app) = self.apps.get_mut(app_id) else {
            return Ok(());
        };
        if app.day != day {
            app.day = day;
            app.calls_today = 0;
        }
        if app.calls_today >= app.daily_limit {
            let retry_after = 86_400 - unix_secs(now) % 86_400;
            return Err(FakeError::rate_limited(
                app_id,
                app.daily_limit,
                retry_after,
            ));
        }
        app.calls_today += 1;
        Ok(())
    }

    /// Creates a task and its first anonymous token; returns `(task_id, token)`.
    pub(crate) fn create_task(
        &mut self,
        file_token: &str,
        download: bool,
        expire_at: SystemTime,
    ) -> (String, String) {
        let task_id = format!("open:{}", random_lowercase(32));
        let token = new_anonymous_token();
        self.tasks.insert(
            task_id.clone(),
            Task {
                file_token: file_token.to_owned(),
                download,
                token: Some(token.clone()),
            },
        );
        self.anon_tokens.insert(
            token.clone(),
            AnonToken {
                task_id: task_id.clone(),
                expire_at,
            },
        );
        (task_id, token)
    }

    /// Finds a live anonymous token or explains why it is refused.
    pub(crate) fn live_anon_token(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<&AnonToken, FakeError> {
        match self.anon_tokens.get(token) {
            Some(t) if now >= t.expire_at => Err(FakeError::anonymous_token_expired()),
            Some(t) => Ok(t),
            None => Err(match self.dead_tokens.get(token) {
                Some(DeadReason::Cancelled) => {
                    FakeError::anonymous_token_not_found("the anonymous token was cancelled")
                }
                Some(DeadReason::Replaced) => FakeError::anonymous_token_not_found(
                    "the anonymous token was replaced by a refresh; use the new token",
                ),
                None => FakeError::anonymous_token_not_found(
                    "unknown anonymous token; tokens come from an anonymous preview task",
                ),
            }),
        }
    }

    /// Replaces `old` by a new token expiring at `expire_at`; returns the new token.
    pub(crate) fn refresh(
        &mut self,
        old: &str,
        now: SystemTime,
        expire_at: SystemTime,
    ) -> Result<String, FakeError> {
        let task_id = self.live_anon_token(old, now)?.task_id.clone();
        self.anon_tokens.remove(old);
        self.dead_tokens
            .insert(old.to_owned(), DeadReason::Replaced);
        let token = new_anonymous_token();
        self.anon_tokens.insert(
            token.clone(),
            AnonToken {
                task_id: task_id.clone(),
                expire_at,
            },
        );
        if let Some(task) = self.tasks.get_mut(&task_id) {
            task.token = Some(token.clone());
        }
        Ok(token)
    }

    /// Cancels `token`. Expired (but not yet replaced or cancelled) tokens can be cancelled too.
    pub(crate) fn cancel(&mut self, token: &str, now: SystemTime) -> Result<(), FakeError> {
        match self.live_anon_token(token, now) {
            Ok(_) => {}
            Err(e) if e.code == super::FakeCode::AnonymousTokenExpired.code() => {}
            Err(e) => return Err(e),
        }
        if let Some(t) = self.anon_tokens.remove(token) {
            if let Some(task) = self.tasks.get_mut(&t.task_id) {
                task.token = None;
            }
        }
        self.dead_tokens
            .insert(token.to_owned(), DeadReason::Cancelled);
        Ok(())
    }

    pub(crate) fn snapshot(&self, now: SystemTime, connections_accepted: u64) -> FakeStats {
        let day = day_of(now);
        FakeStats {
            calls: self.calls.clone(),
            total_api_calls: self.total_api_calls,
            rejected_calls: self.rejected_calls,
            connections_accepted,
            downloads_served: self.downloads_served,
            calls_today: self
                .apps
                .iter()
                .map(|(id, app)| (id.clone(), if app.day == day { app.calls_today } else { 0 }))
                .collect(),
        }
    }
}

fn new_anonymous_token() -> String {
    format!("Anonymous-{}", random_lowercase(48))
}

/// Pseudo-random bytes: sha1 over a process-wide random seed, a counter and the time.
/// Unpredictable enough for test tokens; not for cryptography.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let mut h = RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.finish()
    });
    let mut out = Vec::with_capacity(n + 20);
    while out.len() < n {
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut h = Sha1::new();
        h.update(seed.to_le_bytes());
        h.update(count.to_le_bytes());
        h.update(nanos.to_le_bytes());
        out.extend_from_slice(&h.finalize());
    }
    out.truncate(n);
    out
}

/// `n` random lowercase ASCII letters.
pub(crate) fn random_lowercase(n: usize) -> String {
    random_bytes(n)
        .iter()
        .map(|b| (b'a' + b % 26) as char)
        .collect()
}

/// `n` random ASCII letters and digits.
pub(crate) fn random_alphanumeric(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_bytes(n)
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}
