//! The demo: every kdocs endpoint, called step by step through the generated client.
//!
//! The anonymous-token steps go through [`AnonymousSession`] (refresh, the
//! WebOfficeSDK `setToken` pair, cancel, and the refusal after it), and the
//! download through the verified streaming helper ([`Client::download`]).
//!
//! Without configuration it starts the fake kdocs server in-process, so it needs
//! no credentials. With `KDOCS_BASE_URL` set it targets that server instead and
//! reads the rest of the [`DemoTarget`] from the environment.

use std::fmt::Display;
use std::io::Write;

use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::runtime::Operation;
use kdocs_client::session::AnonymousSession;
use kdocs_client::{
    ApiError, CancelAnonymousTokenRequest, Client, Config, CreateAnonymousPreviewRequest,
    Credentials, Error, GetDownloadUrlRequest, GetEditUrlWithTokenRequest,
    RefreshAnonymousTokenRequest,
};

/// What the demo talks to: a base URL, an app's credentials and the ids and
/// tokens the calls need. These are the values `kdocs fake` prints.
#[derive(Clone)]
pub struct DemoTarget {
    /// Base URL of the kdocs API.
    pub base_url: String,
    /// App id.
    pub app_id: String,
    /// App key.
    pub app_key: String,
    /// An app document's file token.
    pub file_token: String,
    /// A user access token (for the edit URL).
    pub access_token: String,
    /// An anonymous preview token (refreshed, then cancelled).
    pub anonymous_token: String,
}

impl std::fmt::Debug for DemoTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTarget")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("file_token", &self.file_token)
            .finish_non_exhaustive()
    }
}

/// The environment variables the demo reads, in the order of [`DemoTarget`]'s fields.
pub const ENV_VARS: [&str; 6] = [
    "KDOCS_BASE_URL",
    "KDOCS_APP_ID",
    "KDOCS_APP_KEY",
    "KDOCS_FILE_TOKEN",
    "KDOCS_ACCESS_TOKEN",
    "KDOCS_ANONYMOUS_TOKEN",
];

impl DemoTarget {
    /// The target named by `KDOCS_*` variables, `Ok(None)` when `KDOCS_BASE_URL`
    /// is unset, or an error naming every missing variable.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`DemoTarget::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let values: Vec<Option<String>> = ENV_VARS
            .iter()
            .map(|name| lookup(name).filter(|v| !v.trim().is_empty()))
            .collect();
        if values[0].is_none() {
            return Ok(None);
        }
        let missing: Vec<&str> = ENV_VARS
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "KDOCS_BASE_URL is set, so the demo targets that server, but {} {} not set",
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ));
        }
        let mut values = values.into_iter().map(Option::unwrap_or_default);
        let mut next = || values.next().unwrap_or_default();
        Ok(Some(Self {
            base_url: next(),
            app_id: next(),
            app_key: next(),
            file_token: next(),
            access_token: next(),
            anonymous_token: next(),
        }))
    }

    /// Seeds `fake` with a document, an access token and an anonymous preview
    /// token, and returns the target that points at it.
    pub fn seed_fake(fake: &FakeKdocs) -> Self {
        let file_token = fake.add_file("demo.docx", demo_document());
        Self {
            base_url: fake.base_url(),
            app_id: fake.app_id().to_owned(),
            app_key: fake.app_key().to_owned(),
            access_token: fake.issue_access_token(),
            anonymous_token: fake.create_preview_token(&file_token),
            file_token,
        }
    }

    /// The values as the one JSON line `kdocs fake` prints.
    pub fn to_json_line(&self) -> String {
        serde_json::json!({
            "base_url": self.base_url,
            "app_id": self.app_id,
            "app_key": self.app_key,
            "file_token": self.file_token,
            "access_token": self.access_token,
            "anonymous_token": self.anonymous_token,
        })
        .to_string()
    }
}

/// The bytes of the document the fake serves in the demo.
pub fn demo_document() -> Vec<u8> {
    (0..256 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// How the demo went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Steps that succeeded.
    pub passed: usize,
    /// Steps that failed.
    pub failed: usize,
}

impl DemoReport {
    /// Whether every step succeeded.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.passed > 0
    }
}

/// Starts the fake kdocs server in-process and runs the demo against it.
pub async fn run_in_process(out: &mut impl Write) -> std::io::Result<DemoReport> {
    let fake = FakeKdocs::start(FakeConfig::default()).await?;
    writeln!(
        out,
        "started the fake kdocs server at {} (no credentials needed)",
        fake.base_url()
    )?;
    let target = DemoTarget::seed_fake(&fake);
    let report = run(&target, out).await;
    fake.shutdown().await;
    report
}

/// Runs every step against `target`, printing each one to `out`.
pub async fn run(target: &DemoTarget, out: &mut impl Write) -> std::io::Result<DemoReport> {
    let mut report = DemoReport::default();
    let config = Config::new().with_base_url(&target.base_url);
    let client = match Client::new(Credentials::new(&target.app_id, &target.app_key), config) {
        Ok(client) => client,
        Err(e) => {
            writeln!(out, "cannot build the client: {e}")?;
            report.failed += 1;
            return Ok(report);
        }
    };
    writeln!(
        out,
        "kdocs demo against {} as app {}",
        target.base_url, target.app_id
    )?;

    let result = client
        .create_anonymous_preview(
            CreateAnonymousPreviewRequest::new(&target.file_token).with_download(true),
        )
        .await;
    step::<CreateAnonymousPreviewRequest, _, _>(out, &mut report, 1, result, |task| {
        format!("task_id={}", task.task_id)
    })?;

    // KDOCS_ANONYMOUS_TOKEN comes without its expiry: the session refreshes it
    // on first use, which tells the expiry; later calls refresh it only within
    // 5 minutes of expiry, one refresh for all concurrent callers.
    let session = AnonymousSession::builder(client.clone())
        .from_token_unknown_expiry(target.anonymous_token.as_str());
    let refreshed = session.refresh().await;
    let refreshed_ok = refreshed.is_ok();
    step::<RefreshAnonymousTokenRequest, _, _>(out, &mut report, 2, refreshed, |token| {
        format!(
            "session refreshed the anonymous token (redacted), expire_at={}; the old one is now expired",
            token.expire_at
        )
    })?;
    if refreshed_ok {
        match session.web_office_token().await {
            Ok(sdk) => writeln!(
                out,
                "      for the browser: instance.setToken({{ token: <redacted>, timeout: {} }}) (ms until expiry)",
                sdk.timeout
            )?,
            Err(e) => writeln!(out, "      no token for the WebOfficeSDK: {e}")?,
        }
    }

    let result = client
        .get_edit_url_with_token(GetEditUrlWithTokenRequest::new(
            &target.file_token,
            &target.access_token,
        ))
        .await;
    step::<GetEditUrlWithTokenRequest, _, _>(out, &mut report, 3, result, |edit| {
        format!(
            "edit url={} with an exchange token expiring at {}",
            edit.url, edit.token.expire_at
        )
    })?;

    // Streamed in constant memory (here to a sink; `to_file` writes a file
    // atomically) while md5 and sha1 are computed and checked.
    let mut sink = tokio::io::sink();
    let result = client
        .download(&target.file_token)
        .to_writer(&mut sink)
        .await;
    step::<GetDownloadUrlRequest, _, _>(out, &mut report, 4, result, |download| {
        let verified = if download.is_verified() {
            format!(
                "{} verified against the API's checksums",
                download.verified.join(" and ")
            )
        } else {
            "no checksum given to verify against".to_owned()
        };
        format!(
            "downloaded {} bytes in {} chunks, md5={} sha1={}; {verified}",
            download.bytes, download.chunks, download.md5, download.sha1
        )
    })?;

    let result = session.cancel().await;
    step::<CancelAnonymousTokenRequest, _, _>(out, &mut report, 5, result, |_| {
        "anonymous token cancelled".into()
    })?;
    if let Err(e) = session.token().await {
        writeln!(out, "      after cancel the session refuses: {e}")?;
    }

    writeln!(
        out,
        "{} of {} steps passed{}",
        report.passed,
        report.passed + report.failed,
        if report.ok() {
            ""
        } else {
            "; see the errors above"
        }
    )?;
    Ok(report)
}

const STEPS: usize = 5;

/// The service's error envelope in `error` or its sources (session and
/// download errors wrap the client's [`Error`]).
fn api_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a ApiError> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(api) = e.downcast_ref::<Error>().and_then(Error::api) {
            return Some(api);
        }
        if let Some(api) = e
            .downcast_ref::<std::sync::Arc<Error>>()
            .and_then(|e| e.api())
        {
            return Some(api);
        }
        current = e.source();
    }
    None
}

fn step<O: Operation, T, E: std::error::Error + 'static>(
    out: &mut impl Write,
    report: &mut DemoReport,
    number: usize,
    result: Result<T, E>,
    describe: impl FnOnce(&T) -> String,
) -> std::io::Result<()> {
    let spec = O::SPEC;
    write!(
        out,
        "[{number}/{STEPS}] {:<24} {:<6} {}\n      ",
        spec.name,
        spec.method.as_str(),
        spec.path
    )?;
    match result {
        Ok(value) => {
            report.passed += 1;
            writeln!(out, "ok: {}", describe(&value))
        }
        Err(error) => {
            report.failed += 1;
            writeln!(out, "FAILED: {error}")?;
            if let Some(api) = api_error(&error) {
                writeln!(
                    out,
                    "      code={} message={} hint={}",
                    api.code,
                    display_or_dash(&api.message),
                    display_or_dash(&api.hint)
                )?;
            }
            Ok(())
        }
    }
}

fn display_or_dash(text: &impl Display) -> String {
    let text = text.to_string();
    if text.is_empty() {
        "-".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lookup_names_every_missing_variable() {
        assert!(DemoTarget::from_lookup(|_| None).unwrap().is_none());
        let err = DemoTarget::from_lookup(|name| {
            (name == "KDOCS_BASE_URL").then(|| "http://127.0.0.1:1".into())
        })
        .unwrap_err();
        for name in &ENV_VARS[1..] {
            assert!(err.contains(name), "{err}");
        }
        let full = DemoTarget::from_lookup(|name| Some(format!("v-{name}")))
            .unwrap()
            .unwrap();
        assert_eq!(full.anonymous_token, "v-KDOCS_ANONYMOUS_TOKEN");
        assert!(!format!("{full:?}").contains("v-KDOCS_APP_KEY"));
    }

    #[tokio::test]
    async fn demo_passes_against_the_in_process_fake() {
        let mut out = Vec::new();
        let report = run_in_process(&mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(report.ok(), "{text}");
        assert_eq!(report.passed, STEPS);
        for name in [
            "create_anonymous_preview",
            "refresh_anonymous_token",
            "get_edit_url_with_token",
            "get_download_url",
            "cancel_anonymous_token",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[tokio::test]
    async fn demo_reports_code_message_and_hint_on_failure() {
        let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
        let mut target = DemoTarget::seed_fake(&fake);
        target.app_key = "wrong-key".into();
        let mut out = Vec::new();
        let report = run(&target, &mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(report.passed, 0, "{text}");
        // The fake's own code for a refused signature (no kdocs page gives one).
        assert!(
            text.contains("code=994031 message=FakeSignatureRefused hint="),
            "{text}"
        );
        assert!(!text.contains("wrong-key"), "{text}");
        fake.shutdown().await;
    }
}
