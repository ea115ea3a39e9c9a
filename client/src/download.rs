//! Verified, streaming, bounded downloads of documents: the runtime's
//! [`Download`], started from a file token (the app-space
//! `get_download_url`) or from a download URL an endpoint answered.
//!
//! ```no_run
//! # #[cfg(feature = "appspace")]
//! use kdocs_client::{Client, Config, Credentials};
//!
//! # #[cfg(feature = "appspace")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Credentials::new("SX20220101ABCDEF", "app-key"), Config::new())?;
//! let report = client
//!     .download("t2v4Ga8ZUYKc12KGMdEQpBh")
//!     .max_bytes(512 * 1024 * 1024)
//!     .to_file("report.docx")
//!     .await?;
//! println!("{} bytes, checked: {:?}", report.bytes, report.verified);
//!
//! // Or to any AsyncWrite:
//! let mut buffer = Vec::new();
//! client.download("t2v4Ga8ZUYKc12KGMdEQpBh").to_writer(&mut buffer).await?;
//! # Ok(()) }
//! ```
//!
//! What a download checks (sizes, checksums, the URLs it follows) is
//! described in [`runtime::download`](crate::runtime::download).

pub use crate::runtime::download::*;

#[cfg(feature = "appspace")]
use crate::{Client, GetDownloadUrlRequest, GetDownloadUrlResponse};

#[cfg(feature = "appspace")]
impl Client {
    /// A download of the app document `file_token`: its URL and checksums
    /// come from [`get_download_url`](Self::get_download_url) when the
    /// download starts. Finish it with [`Download::to_file`] or
    /// [`Download::to_writer`].
    pub fn download(&self, file_token: impl Into<String>) -> Download<'_> {
        let file_token = file_token.into();
        let what = format!("file_token {file_token}");
        Download::locating(
            self,
            what,
            Box::pin(async move {
                let response = self
                    .get_download_url(GetDownloadUrlRequest::new(file_token))
                    .await?;
                Ok((response.download_url, response.checksums))
            }),
        )
    }

    /// A download of the URL a [`get_download_url`](Self::get_download_url)
    /// call answered, checked against its checksums.
    pub fn download_from(&self, response: GetDownloadUrlResponse) -> Download<'_> {
        Download::from_url(self, response.download_url, response.checksums)
    }
}
