//! multipart/form-data bodies: built once, hashed while built, sent as signed.
//!
//! WPS-2 signs the md5 of the exact body bytes and the exact `Content-Type`
//! (`multipart/form-data; boundary=…`), and the signature goes out in the
//! headers, before the body. So the body is written once, before the first
//! attempt, with its md5 computed on the way, and every attempt sends those
//! same bytes; nothing is rebuilt between signing and sending:
//!
//! - file parts given as bytes: the body is assembled in memory (the caller
//!   already holds the content);
//! - file parts given as a path or an async reader: the body is written to a
//!   temporary file in 64 KiB steps (memory stays bounded whatever the file's
//!   size), and each attempt streams that file. The file has no name from the
//!   start (it is unlinked, or on Windows deleted on close), so no copy of the
//!   document is left behind, whether the process ends normally, on a signal
//!   or in a crash, and no other process can open it by its path. A file
//!   changed on disk after the body was written cannot make the signature
//!   wrong, and a reader is read once.
//!
//! Text parts are sent as they are; a list is one comma-joined part, as the
//! kdocs upload page's sample sends `parent_path=path1,path2`. The file part's
//! name also goes in a `Content-Disposition: filename="…"` request header,
//! which the pages document and leave out of the signature.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::signing::Md5Hex;

/// Bytes copied at a time from a file or reader into a spooled body.
const STEP: usize = 64 * 1024;

type SharedReader = Arc<Mutex<Option<Pin<Box<dyn AsyncRead + Send + Sync>>>>>;

/// An upload progress callback (see [`FilePart::on_progress`]).
type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// How far an upload is, as given to [`FilePart::on_progress`]: the bytes of
/// the request body (the whole multipart body, file and text parts) handed
/// to the connection so far, out of its length. An attempt that is retried
/// starts again from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes of the body sent so far by this attempt.
    pub sent: u64,
    /// The body's length.
    pub total: u64,
}

/// The file part of a multipart request: bytes, a path, or an async reader,
/// with the file name and content type to send.
///
/// ```
/// use kdocs_runtime::FilePart;
///
/// let part = FilePart::from_bytes("notes.docx", b"hello".to_vec());
/// assert_eq!(part.filename(), "notes.docx");
/// assert_eq!(part.content_type(), "application/octet-stream");
/// let from_disk = FilePart::from_path("/tmp/report.xlsx");
/// assert_eq!(from_disk.filename(), "report.xlsx");
/// ```
#[derive(Clone)]
pub struct FilePart {
    filename: String,
    content_type: String,
    source: Source,
    progress: Option<ProgressFn>,
}

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
    Reader(SharedReader),
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(b) => format!("{} bytes in memory", b.len()),
            Source::Path(_) => "a file on disk".to_owned(),
            Source::Reader(_) => "a reader".to_owned(),
        };
        f.debug_struct("FilePart")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("source", &source)
            .field("on_progress", &self.progress.is_some())
            .finish()
    }
}

impl FilePart {
    /// Content held in memory.
    pub fn from_bytes(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self::new(filename.into(), Source::Bytes(bytes.into()))
    }

    /// The file at `path`, read when the request is sent; its file name is
    /// the part's name unless [`FilePart::with_filename`] changes it.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::new(filename, Source::Path(path))
    }

    /// Content read from `reader` when the request is sent. A reader can be
    /// read once: sending a clone of the request again fails.
    pub fn from_reader(
        filename: impl Into<String>,
        reader: impl AsyncRead + Send + Sync + 'static,
    ) -> Self {
        let reader: Pin<Box<dyn AsyncRead + Send + Sync>> = Box::pin(reader);
        Self::new(
            filename.into(),
            Source::Reader(Arc::new(Mutex::new(Some(reader)))),
        )
    }

    fn new(filename: String, source: Source) -> Self {
        FilePart {
            filename,
            content_type: "application/octet-stream".to_owned(),
            source,
            progress: None,
        }
    }

    /// Calls `progress` as the request body is sent: once with `sent: 0`
    /// when an attempt starts, then after each chunk of at most 64 KiB is
    /// handed to the connection (see [`UploadProgress`]). With several file
    /// parts, the first one's callback reports on the whole body.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use kdocs_runtime::FilePart;
    ///
    /// let sent = Arc::new(AtomicU64::new(0));
    /// let seen = sent.clone();
    /// let part = FilePart::from_path("/tmp/report.xlsx")
    ///     .on_progress(move |p| seen.store(p.sent, Ordering::Relaxed));
    /// assert_eq!(part.filename(), "report.xlsx");
    /// ```
    pub fn on_progress(
        mut self,
        progress: impl Fn(UploadProgress) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// The file name to send.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = filename.into();
        self
    }

    /// The part's `Content-Type` (default `application/octet-stream`).
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The file name sent.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The part's content type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The content, when it is held in memory (as the fake server's decoded
    /// requests always are).
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Bytes(b) => Some(b),
            _ => None,
        }
    }

    fn in_memory(&self) -> bool {
        matches!(self.source, Source::Bytes(_))
    }
}

/// One part of a multipart body.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    Text { name: &'static str, value: String },
    File { name: &'static str, file: FilePart },
}

/// A body built and hashed, ready to be sent by every attempt.
pub(crate) struct MultipartBody {
    /// `multipart/form-data; boundary=…`, as sent and signed.
    pub(crate) content_type: String,
    /// Lowercase hex md5 of the body bytes.
    pub(crate) md5: Md5Hex,
    /// The body's length.
    pub(crate) len: u64,
    /// `filename="…"` of the first file part, for the `Content-Disposition` header.
    pub(crate) disposition: Option<String>,
    data: Data,
    /// The first file part's progress callback.
    progress: Option<ProgressFn>,
}

enum Data {
    Memory(Bytes),
    /// A temporary file without a name, gone when the last handle is
    /// dropped. Each attempt reads it from its own offset.
    Spooled(Arc<Mutex<std::fs::File>>),
}

impl fmt::Debug for MultipartBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipartBody")
            .field("content_type", &self.content_type)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Why a multipart body could not be built.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// A reader was already used by an earlier send.
    ReaderUsed(&'static str),
    /// Reading a file part or writing the temporary body failed.
    Io(&'static str, std::io::Error),
}

impl MultipartBody {
    /// Writes `parts` with a fresh random boundary, hashing on the way.
    pub(crate) async fn build(parts: &[Part]) -> Result<Self, BuildError> {
        let boundary = format!("kdocs-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let disposition = parts.iter().find_map(|p| match p {
            Part::File { file, .. } => Some(disposition_header(&file.filename)),
            Part::Text { .. } => None,
        });
        let progress = parts.iter().find_map(|p| match p {
            Part::File { file, .. } => file.progress.clone(),
            Part::Text { .. } => None,
        });
        let in_memory = parts.iter().all(|p| match p {
            Part::File { file, .. } => file.in_memory(),
            Part::Text { .. } => true,
        });
        let mut sink = Sink::open(in_memory)?;
        let mut md5 = Md5::new();
        let mut len = 0u64;
        for part in parts {
            sink.part(&mut md5, &mut len, &boundary, part).await?;
        }
        let tail = format!("--{boundary}--\r\n");
        sink.write(&mut md5, &mut len, tail.as_bytes(), "the end")
            .await?;
        Ok(MultipartBody {
            content_type,
            md5: Md5Hex::encode(&md5.finalize()),
            len,
            disposition,
            data: sink.finish().await?,
            progress,
        })
    }

    /// The body of one attempt: the same bytes every time, reported to the
    /// progress callback as they are sent when there is one.
    pub(crate) async fn reqwest_body(&self) -> std::io::Result<reqwest::Body> {
        let len = self.len;
        if let Some(progress) = &self.progress {
            progress(UploadProgress {
                sent: 0,
                total: len,
            });
        }
        match &self.data {
            Data::Memory(bytes) => match self.progress.clone() {
                None => Ok(reqwest::Body::from(bytes.clone())),
                Some(progress) => Ok(reqwest::Body::wrap_stream(memory_steps(
                    bytes.clone(),
                    progress,
                ))),
            },
            Data::Spooled(file) => {
                let file = file.clone();
                let progress = self.progress.clone();
                // Each read seeks to this attempt's own offset under the
                // lock: the handle is shared by every attempt, and an earlier
                // attempt's body may still be read while it is dropped.
                let chunks = futures_util::stream::try_unfold(0u64, move |offset| {
                    let file = file.clone();
                    let progress = progress.clone();
                    async move {
                        if offset >= len {
                            return Ok(None);
                        }
                        let chunk = tokio::task::spawn_blocking(move || read_chunk(&file, offset))
                            .await
                            .map_err(std::io::Error::other)??;
                        if chunk.is_empty() {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                "the spooled body is shorter than what was written",
                            ));
                        }
                        let next = offset + chunk.len() as u64;
                        if let Some(progress) = &progress {
                            progress(UploadProgress {
                                sent: next,
                                total: len,
                            });
                        }
                        Ok::<_, std::io::Error>(Some((Bytes::from(chunk), next)))
                    }
                });
                Ok(reqwest::Body::wrap_stream(chunks))
            }
        }
    }

    /// The in-memory body (tests).
    #[cfg(test)]
    fn memory(&self) -> Option<&Bytes> {
        match &self.data {
            Data::Memory(bytes) => Some(bytes),
            Data::Spooled(_) => None,
        }
    }
}

/// An in-memory body in [`STEP`] slices, each reported to `progress` when
/// the connection takes it.
fn memory_steps(
    bytes: Bytes,
    progress: ProgressFn,
) -> impl futures_core::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let total = bytes.len() as u64;
    futures_util::stream::iter((0..bytes.len()).step_by(STEP).map(move |start| {
        let end = (start + STEP).min(bytes.len());
        progress(UploadProgress {
            sent: end as u64,
            total,
        });
        Ok(bytes.slice(start..end))
    }))
}

/// Up to [`STEP`] bytes of the spooled body from `offset`.
fn read_chunk(file: &Mutex<std::fs::File>, offset: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
    file.seek(std::io::SeekFrom::Start(offset))?;
    let mut buffer = vec![0u8; STEP];
    let n = file.read(&mut buffer)?;
    buffer.truncate(n);
    Ok(buffer)
}

enum Sink {
    Memory(Vec<u8>),
    /// The writer, and the file it writes (read back by each attempt).
    File(tokio::io::BufWriter<tokio::fs::File>, std::fs::File),
}

impl Sink {
    /// Memory when every part is in memory; otherwise a temporary file.
    fn open(in_memory: bool) -> Result<Sink, BuildError> {
        if in_memory {
            return Ok(Sink::Memory(Vec::new()));
        }
        // `tempfile()`, not a named temporary file: a named one is removed by
        // a destructor, which a crash or a signal never runs.
        let file =
            tempfile::tempfile().map_err(|e| BuildError::Io("create a temporary body file", e))?;
        let writer = file
            .try_clone()
            .map_err(|e| BuildError::Io("create a temporary body file", e))?;
        Ok(Sink::File(
            tokio::io::BufWriter::with_capacity(STEP, tokio::fs::File::from_std(writer)),
            file,
        ))
    }

    /// One part: its head, its content, its line end.
    async fn part(
        &mut self,
        md5: &mut Md5,
        len: &mut u64,
        boundary: &str,
        part: &Part,
    ) -> Result<(), BuildError> {
        let (name, file) = match part {
            Part::Text { name, value } => {
                let head = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    quoted(name)
                );
                self.write(md5, len, head.as_bytes(), name).await?;
                self.write(md5, len, value.as_bytes(), name).await?;
                return self.write(md5, len, b"\r\n", name).await;
            }
            Part::File { name, file } => (*name, file),
        };
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            quoted(name),
            quoted(&file.filename),
            file.content_type.replace(['\r', '\n'], " ")
        );
        self.write(md5, len, head.as_bytes(), name).await?;
        match &file.source {
            Source::Bytes(bytes) => self.write(md5, len, bytes, name).await?,
            Source::Path(path) => {
                let mut input = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| BuildError::Io(name, e))?;
                self.copy(md5, len, &mut input, name).await?;
            }
            Source::Reader(shared) => {
                let taken = shared.lock().unwrap_or_else(|e| e.into_inner()).take();
                let mut reader = taken.ok_or(BuildError::ReaderUsed(name))?;
                self.copy(md5, len, &mut reader, name).await?;
            }
        }
        self.write(md5, len, b"\r\n", name).await
    }

    /// The written body, flushed.
    async fn finish(self) -> Result<Data, BuildError> {
        match self {
            Sink::Memory(bytes) => Ok(Data::Memory(Bytes::from(bytes))),
            Sink::File(mut writer, file) => {
                writer
                    .flush()
                    .await
                    .map_err(|e| BuildError::Io("write the temporary body", e))?;
                Ok(Data::Spooled(Arc::new(Mutex::new(file))))
            }
        }
    }

    async fn write(
        &mut self,
        md5: &mut Md5,
        len: &mut u64,
        bytes: &[u8],
        part: &'static str,
    ) -> Result<(), BuildError> {
        md5.update(bytes);
        *len += bytes.len() as u64;
        match self {
            Sink::Memory(buffer) => {
                buffer.extend_from_slice(bytes);
                Ok(())
            }
            Sink::File(writer, _) => writer
                .write_all(bytes)
                .await
                .map_err(|e| BuildError::Io(part, e)),
        }
    }

    async fn copy(
        &mut self,
        md5: &mut Md5,
        len: &mut u64,
        input: &mut (impl AsyncRead + Unpin + ?Sized),
        part: &'static str,
    ) -> Result<(), BuildError> {
        let mut buffer = vec![0u8; STEP];
        loop {
            let n = input
                .read(&mut buffer)
                .await
                .map_err(|e| BuildError::Io(part, e))?;
            if n == 0 {
                return Ok(());
            }
            self.write(md5, len, &buffer[..n], part).await?;
        }
    }
}

/// A name or file name inside a quoted header parameter, always a valid
/// quoted-string: `"`, CR and LF are percent-encoded, as browsers do for form
/// data, and so are `\\` (a trailing one would escape the closing quote),
/// `%` (so that the encoding reads back) and every other control character
/// (NUL, ESC, DEL, the C0 bytes), which a part head cannot carry.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\\' | '%' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// `filename="…"` for the request's `Content-Disposition` header: visible
/// ASCII only; a non-ASCII name also goes in RFC 5987 form (`filename*=`).
fn disposition_header(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = ascii.replace('\\', "_").replace('"', "%22");
    if filename.is_ascii() && !filename.chars().any(|c| c.is_ascii_control()) {
        format!("filename=\"{ascii}\"")
    } else {
        let encoded: String =
            percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(file: FilePart) -> Vec<Part> {
        vec![
            Part::Text {
                name: "parent_path",
                value: "path1,path2".into(),
            },
            Part::File { name: "file", file },
        ]
    }

    fn md5_hex(bytes: &[u8]) -> String {
        hex::encode(Md5::digest(bytes))
    }

    #[tokio::test]
    async fn a_body_in_memory_is_hashed_as_sent() {
        let body =
            MultipartBody::build(&parts(FilePart::from_bytes("a \"b\".docx", &b"hello"[..])))
                .await
                .unwrap();
        let bytes = body.memory().unwrap();
        assert_eq!(body.md5.as_str(), md5_hex(bytes));
        assert_eq!(body.len, bytes.len() as u64);
        let boundary = body
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert_eq!(
            text,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"parent_path\"\r\n\r\npath1,path2\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.docx\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\nhello\r\n--{boundary}--\r\n"
            )
        );
        assert_eq!(
            body.disposition.as_deref(),
            Some("filename=\"a %22b%22.docx\"")
        );
    }

    #[tokio::test]
    async fn paths_and_readers_are_spooled_and_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        for file in [
            FilePart::from_path(&path),
            FilePart::from_reader("big.bin", std::io::Cursor::new(content.clone())),
        ] {
            let body = MultipartBody::build(&parts(file)).await.unwrap();
            assert!(body.memory().is_none());
            // The bytes streamed by two attempts are identical, and are what was hashed.
            for _ in 0..2 {
                let sent = body.reqwest_body().await.unwrap();
                let bytes = http_body_util::BodyExt::collect(sent)
                    .await
                    .unwrap()
                    .to_bytes();
                assert_eq!(bytes.len() as u64, body.len);
                assert_eq!(md5_hex(&bytes), body.md5.as_str());
                let needle = &content[1000..1100];
                assert!(bytes.windows(100).any(|w| w == needle));
            }
        }
    }

    /// Two attempts read the one spool handle in turns: each gets the whole
    /// body from its own offset.
    #[tokio::test]
    async fn interleaved_attempts_each_read_the_whole_spool() {
        use http_body_util::BodyExt as _;
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        let file = FilePart::from_reader("r.bin", std::io::Cursor::new(content));
        let body = MultipartBody::build(&parts(file)).await.unwrap();
        assert!(body.memory().is_none());
        let mut attempts = [
            body.reqwest_body().await.unwrap(),
            body.reqwest_body().await.unwrap(),
        ];
        let mut received = [Vec::new(), Vec::new()];
        let mut open = [true, true];
        while open.iter().any(|o| *o) {
            for (k, attempt) in attempts.iter_mut().enumerate() {
                if !open[k] {
                    continue;
                }
                match attempt.frame().await {
                    Some(frame) => {
                        received[k].extend_from_slice(&frame.unwrap().into_data().unwrap())
                    }
                    None => open[k] = false,
                }
            }
        }
        for bytes in &received {
            assert_eq!(bytes.len() as u64, body.len);
            assert_eq!(md5_hex(bytes), body.md5.as_str());
        }
    }

    /// What a progress callback saw.
    fn recorder() -> (
        Arc<Mutex<Vec<UploadProgress>>>,
        impl Fn(UploadProgress) + Send + Sync,
    ) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        (seen, move |p| record.lock().unwrap().push(p))
    }

    #[tokio::test]
    async fn upload_progress_follows_the_body_as_it_is_sent() {
        use http_body_util::BodyExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        for file in [
            FilePart::from_path(&path),
            FilePart::from_bytes("big.bin", content.clone()),
        ] {
            let (seen, record) = recorder();
            let body = MultipartBody::build(&parts(file.on_progress(record)))
                .await
                .unwrap();
            assert!(seen.lock().unwrap().is_empty(), "nothing sent while built");
            for attempt in 0..2 {
                seen.lock().unwrap().clear();
                let mut sent = body.reqwest_body().await.unwrap();
                let mut received = 0u64;
                while let Some(frame) = sent.frame().await {
                    received += frame.unwrap().into_data().unwrap().len() as u64;
                    // Reported as each chunk goes out, never ahead of it.
                    let last = *seen.lock().unwrap().last().unwrap();
                    assert_eq!(last.sent, received, "attempt {attempt}");
                }
                let seen = seen.lock().unwrap();
                assert_eq!(
                    seen[0],
                    UploadProgress {
                        sent: 0,
                        total: body.len
                    }
                );
                assert_eq!(seen.last().unwrap().sent, body.len);
                assert!(seen.len() > 3, "300 kB in 64 KiB steps: {}", seen.len());
                assert!(seen.windows(2).all(|w| w[0].sent < w[1].sent));
                assert!(seen.iter().all(|p| p.total == body.len));
            }
        }
    }

    #[tokio::test]
    async fn a_body_without_a_progress_callback_is_sent_whole() {
        let body = MultipartBody::build(&parts(FilePart::from_bytes("a.txt", &b"hi"[..])))
            .await
            .unwrap();
        assert!(body.progress.is_none());
        let sent = body.reqwest_body().await.unwrap();
        assert_eq!(sent.as_bytes(), body.memory().map(|b| &b[..]));
    }

    #[tokio::test]
    async fn a_reader_is_read_once() {
        let file = FilePart::from_reader("x.txt", &b"once"[..]);
        MultipartBody::build(&parts(file.clone())).await.unwrap();
        let err = MultipartBody::build(&parts(file)).await.unwrap_err();
        assert!(matches!(err, BuildError::ReaderUsed("file")), "{err:?}");
    }

    #[test]
    fn disposition_headers_are_visible_ascii() {
        assert_eq!(disposition_header("sheets.xls"), "filename=\"sheets.xls\"");
        // The body's part head: a valid quoted-string whatever the name.
        for (name, shown) in [
            ("a\\", "a%5C"),
            ("nul\0esc\u{1b}del\u{7f}", "nul%00esc%1Bdel%7F"),
            ("tab\there", "tab%09here"),
            ("100%.txt", "100%25.txt"),
            ("q\"\r\n.txt", "q%22%0D%0A.txt"),
            ("中文 名.docx", "中文 名.docx"),
        ] {
            assert_eq!(quoted(name), shown, "{name:?}");
            assert!(!quoted(name)
                .chars()
                .any(|c| c.is_control() || c == '"' || c == '\\'));
        }
        assert_eq!(
            disposition_header("报告.docx"),
            "filename=\"__.docx\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%2Edocx"
        );
        assert_eq!(
            disposition_header("a\r\nb"),
            "filename=\"a__b\"; filename*=UTF-8''a%0D%0Ab"
        );
    }
}
