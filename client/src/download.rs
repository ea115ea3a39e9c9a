//! Verified, streaming, bounded downloads of documents: the runtime's
//! [`Download`], started from a file token (the app-space
//! `get_download_url`; a user's file with `Client::download_personal`, checked
//! against the `fsize` and `checksums.sha1` of `get_personal_download_url`) or
//! from a download URL an endpoint answered.
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

#[cfg(any(feature = "appspace", feature = "personal"))]
use crate::Client;
#[cfg(feature = "appspace")]
use crate::{GetDownloadUrlRequest, GetDownloadUrlResponse};

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

#[cfg(feature = "personal")]
use crate::{GetPersonalDownloadUrlRequest, GetPersonalDownloadUrlResponse};

#[cfg(feature = "personal")]
impl Client {
    /// A download of the user's file `file_token`, for the user of
    /// `access_token`: its URL, size and checksums come from
    /// [`get_personal_download_url`](Self::get_personal_download_url) when
    /// the download starts, and the download checks the received length
    /// against `fsize` and the content against `checksums.sha1` (and `md5`)
    /// when the answer gives them. Finish it with [`Download::to_file`] or
    /// [`Download::to_writer`].
    ///
    /// No page shows that answer's fields: `url` (or `download_url`),
    /// `fsize` and `checksums.sha1` are those public clients read.
    ///
    /// ```no_run
    /// # async fn run(client: kdocs_client::Client, token: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// let report = client.download_personal("wfoKKYzWR2jyxMHCFVuBxXGszbfEtqUJ1pa5eD4tRLc", token)
    ///     .to_file("plan.docx")
    ///     .await?;
    /// println!("{} bytes, {}", report.bytes, report.completeness);
    /// # Ok(()) }
    /// ```
    pub fn download_personal(
        &self,
        file_token: impl Into<String>,
        access_token: impl Into<String>,
    ) -> Download<'_> {
        let file_token = file_token.into();
        let access_token = access_token.into();
        let what = format!("personal file_token {file_token}");
        Download::locating_sized(
            self,
            what,
            Box::pin(async move {
                let request = GetPersonalDownloadUrlRequest::new(file_token, access_token);
                let response = self.get_personal_download_url(request).await?;
                Ok(personal_location(response))
            }),
        )
    }

    /// A download of the URL a
    /// [`get_personal_download_url`](Self::get_personal_download_url) call
    /// answered, checked against its `fsize` and checksums as
    /// [`download_personal`](Self::download_personal) checks them.
    pub fn download_personal_from(&self, response: GetPersonalDownloadUrlResponse) -> Download<'_> {
        let location = personal_location(response);
        let download = Download::from_url(self, location.url, location.checksums);
        match location.size {
            Some(size) => download.expect_size(size),
            None => download,
        }
    }
}

/// Where a personal file downloads from: `url`, or else `download_url` (one
/// public client reads either), an empty URL when there is none (which the
/// download refuses); the checksums the answer gives, `sha1` with the others.
#[cfg(feature = "personal")]
fn personal_location(response: GetPersonalDownloadUrlResponse) -> Location {
    let url = response
        .url
        .or(response.download_url)
        .unwrap_or_else(|| crate::Secret::new(String::new()));
    let checksums = response.checksums.map(|checksums| {
        let mut all = checksums.others;
        if let Some(sha1) = checksums.sha1 {
            all.insert("sha1".to_owned(), serde_json::Value::String(sha1));
        }
        all
    });
    Location::new(url, checksums, response.fsize)
}
