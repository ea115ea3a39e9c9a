//! [`SqliteStore`]: one file, shared by the processes of one machine.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::{
    decode, encode, Entry, Expect, Lease, StoreError, StoreKey, StoredTokens, TokenStore, Version,
};

/// The layout this code writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// How long a call waits for another process's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// [`SqliteStore`]: one file, shared by the processes of one machine.
///
/// SQLite (rusqlite's bundled copy, so nothing is installed) in WAL mode,
/// so readers do not wait for a writer. Each save and each lease is one
/// `BEGIN IMMEDIATE` transaction: the version check and the write happen
/// under SQLite's write lock, which every process opening the file shares.
/// The lease is a row with an expiry in Unix milliseconds, on the machine's
/// clock, which its processes share.
///
/// The file holds tokens: on Unix it is created readable and writable by its
/// owner only (0600), and a folder the store creates for it is 0700. SQLite
/// gives its `-wal` and `-shm` files the database file's permissions.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        store: "sqlite",
        message: e.to_string(),
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (0600) and its folder
    /// (0700) when missing. Blocks while it opens; call it at start-up (or
    /// inside `spawn_blocking`).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_private(&path)?;
        let connection = Connection::open(&path)
            .map_err(|e| backend(format!("cannot open {}: {e}", path.display())))?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(backend(format!(
                "{} cannot use WAL (journal mode {mode}): is it on a network file system?",
                path.display()
            )));
        }
        migrate(&connection, &path)?;
        Ok(SqliteStore {
            path,
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` on the connection, on tokio's blocking threads.
    fn run<'a, T, F>(&'a self, op: F) -> BoxFuture<'a, Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = self.connection.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
                op(&mut connection)
            })
            .await
            .map_err(|e| backend(format!("the store's task ended: {e}")))?
        })
    }
}

/// Creates the folder (0700) and the file (0600) when they are missing, so
/// that SQLite opens a file no other user can read.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let shown = path.display();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(dir)
                .map_err(|e| backend(format!("cannot create the folder of {shown}: {e}")))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| backend(format!("cannot create {shown}: {e}")))
}

/// Creates the tables of an empty file; refuses a file of a later layout.
fn migrate(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
    if version > SCHEMA_VERSION {
        return Err(backend(format!(
            "{} was written by a later version of this crate (layout {version})",
            path.display()
        )));
    }
    connection
        .execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS tokens (
                 app_id TEXT NOT NULL, user TEXT NOT NULL,
                 version INTEGER NOT NULL, entry TEXT NOT NULL,
                 PRIMARY KEY (app_id, user)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS leases (
                 app_id TEXT NOT NULL, user TEXT NOT NULL,
                 id TEXT NOT NULL, expires_ms INTEGER NOT NULL,
                 PRIMARY KEY (app_id, user)) WITHOUT ROWID;
             PRAGMA user_version = 1;
             COMMIT;",
        )
        .map_err(backend)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn stored_version(connection: &Connection, key: &StoreKey) -> Result<Option<Version>, StoreError> {
    connection
        .query_row(
            "SELECT version FROM tokens WHERE app_id = ?1 AND user = ?2",
            params![key.app_id(), key.user()],
            |row| row.get::<_, i64>(0),
        )
        .optional()
        .map_err(backend)
        .map(|v| v.and_then(|v| u64::try_from(v).ok()))
}

impl TokenStore for SqliteStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        let key = key.clone();
        self.run(move |connection| {
            let row = connection
                .query_row(
                    "SELECT version, entry FROM tokens WHERE app_id = ?1 AND user = ?2",
                    params![key.app_id(), key.user()],
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(version, text)| {
                Ok(Entry {
                    version: u64::try_from(version).unwrap_or(0),
                    tokens: decode(&key, &text)?,
                })
            })
            .transpose()
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
        expect: Expect,
    ) -> BoxFuture<'a, Result<Version, StoreError>> {
        let key = key.clone();
        let text = encode(tokens);
        self.run(move |connection| {
            let text = text?;
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let current = stored_version(&tx, &key)?;
            if !expect.matches(current) {
                return Err(StoreError::Conflict { key, current });
            }
            let version = current.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO tokens (app_id, user, version, entry) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app_id, user) DO UPDATE SET version = ?3, entry = ?4",
                params![
                    key.app_id(),
                    key.user(),
                    i64::try_from(version).unwrap_or(i64::MAX),
                    text
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(version)
        })
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = key.clone();
        self.run(move |connection| {
            let removed = connection
                .execute(
                    "DELETE FROM tokens WHERE app_id = ?1 AND user = ?2",
                    params![key.app_id(), key.user()],
                )
                .map_err(backend)?;
            Ok(removed > 0)
        })
    }

    fn users<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let app_id = app_id.to_owned();
        self.run(move |connection| {
            let mut statement = connection
                .prepare("SELECT user FROM tokens WHERE app_id = ?1 ORDER BY user")
                .map_err(backend)?;
            let users = statement
                .query_map(params![app_id], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            Ok(users)
        })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, StoreError>> {
        let key = key.clone();
        self.run(move |connection| {
            let lease = Lease::new(ttl)?;
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let now = now_ms();
            let held: Option<i64> = tx
                .query_row(
                    "SELECT expires_ms FROM leases WHERE app_id = ?1 AND user = ?2",
                    params![key.app_id(), key.user()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)?;
            if held.is_some_and(|until| until > now) {
                return Ok(None);
            }
            let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO leases (app_id, user, id, expires_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app_id, user) DO UPDATE SET id = ?3, expires_ms = ?4",
                params![
                    key.app_id(),
                    key.user(),
                    lease.id(),
                    now.saturating_add(ttl_ms)
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(Some(lease))
        })
    }

    fn release_lease<'a>(
        &'a self,
        key: &'a StoreKey,
        lease: &'a Lease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = key.clone();
        let id = lease.id().to_owned();
        self.run(move |connection| {
            let removed = connection
                .execute(
                    "DELETE FROM leases WHERE app_id = ?1 AND user = ?2 AND id = ?3",
                    params![key.app_id(), key.user(), id],
                )
                .map_err(backend)?;
            Ok(removed > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_sqlite_store_conforms() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("tokens.sqlite")).unwrap();
        crate::conformance::check(&store).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_handles_on_one_file_share_entries_and_leases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.sqlite");
        let (a, b) = (
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        );
        let key = StoreKey::new("app", "user").unwrap();
        let tokens = StoredTokens::new("at", Some("rt".into()));
        let v = a.save(&key, &tokens, Expect::Absent).await.unwrap();
        assert_eq!(b.load(&key).await.unwrap().unwrap().version, v);
        let lease = a
            .acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(lease.is_some());
        assert!(b
            .acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_and_its_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("made").join("here").join("tokens.sqlite");
        SqliteStore::open(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    #[test]
    fn a_file_of_a_later_layout_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("later version"), "{err}");
    }
}
