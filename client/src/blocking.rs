//! A blocking client (feature `blocking`): the same methods and types as the
//! async [`Client`](crate::Client), for programs without an async runtime.
//!
//! Each call runs the async client to completion on a small runtime the
//! blocking client owns (one worker thread, shared by its clones), so the
//! caller starts nothing. Do not call it from async code: like every blocking
//! client, it would block an executor thread (and tokio refuses to start a
//! runtime inside a runtime).
//!
//! ```no_run
//! use kdocs_client::blocking::Client;
//! use kdocs_client::{Config, Credentials, GetDownloadUrlRequest};
//!
//! fn main() -> Result<(), kdocs_client::Error> {
//!     let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//!     let url = client.get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"))?;
//!     println!("{} checksum(s)", url.checksums.map_or(0, |c| c.len()));
//!     Ok(())
//! }
//! ```

use std::sync::Arc;

use crate::runtime::{CallOptions, Operation};
use crate::{Config, Credentials, Error};

/// The blocking client; cheap to clone (clones share the pool and runtime).
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Client {
    /// A client for `credentials` with `config` (as [`crate::Client::new`]).
    pub fn new(credentials: Credentials, config: Config) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kdocs-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        // Built inside the runtime, so the connection pool's tasks live there.
        let inner = {
            let _entered = runtime.enter();
            crate::Client::new(credentials, config)?
        };
        Ok(Client {
            inner,
            runtime: Arc::new(runtime),
        })
    }

    /// The async client underneath (its calls need an async runtime).
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    /// A handle whose calls use `options` over the config.
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            inner: self.inner.with_options(options),
            runtime: self.runtime.clone(),
        }
    }

    /// Runs one operation to completion; every generated blocking method
    /// calls this.
    pub fn execute<O: Operation>(&self, operation: O) -> Result<O::Output, Error> {
        self.runtime.block_on(self.inner.execute(operation))
    }
}
