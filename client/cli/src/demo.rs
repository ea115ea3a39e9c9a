//! The demo: the whole story of a kdocs integration, step by step through the
//! generated client.
//!
//! 1. OAuth: the authorize page, the code for the user's tokens
//!    ([`Client::exchange_code`]), a [`UserSession`];
//! 2. the user's basic info, with the session's access token;
//! 3. a local file uploaded into the app space (multipart, signed as sent);
//! 4. an anonymous preview task for it;
//! 5. the anonymous token refreshed through [`AnonymousSession`], and the
//!    WebOfficeSDK `setToken` pair;
//! 6. the document's edit URL, with the user's token;
//! 7. the document downloaded back (verified streaming) and compared byte for
//!    byte with the local file;
//! 8. the anonymous token cancelled, and the session's refusal after it.
//!
//! Without configuration it starts the fake kdocs server in-process, so it
//! needs no credentials: the fake's authorize page consents at once, and the
//! fake tells the anonymous token of the new preview task (the documented API
//! has no call for that). With `KDOCS_BASE_URL` set it targets that server and
//! reads the rest of the [`DemoTarget`] from the environment.

use std::fmt::Display;
use std::io::Write;

use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::oauth::{UserSession, UserTokens};
use kdocs_client::runtime::{FilePart, Operation};
use kdocs_client::session::AnonymousSession;
use kdocs_client::{
    ApiError, CancelAnonymousTokenRequest, Client, Config, CreateAnonymousPreviewRequest,
    Credentials, Error, GetDownloadUrlRequest, GetEditUrlWithTokenRequest, GetUserInfoRequest,
    RefreshAnonymousTokenRequest, Secret, UploadAppspaceFileRequest,
};

/// What the demo talks to: a base URL, an app's credentials, and what the
/// documented API cannot give the demo by itself. These are the values
/// `kdocs fake` prints.
#[derive(Clone)]
pub struct DemoTarget {
    /// Base URL of the kdocs API.
    pub base_url: String,
    /// App id.
    pub app_id: String,
    /// App key.
    pub app_key: String,
    /// A user access token; without one, the demo goes through the authorize
    /// page (which only a fake answers without a person at a browser).
    pub access_token: Option<String>,
    /// An anonymous preview token to refresh and cancel; without one, the
    /// in-process fake tells the token of the demo's own preview task.
    pub anonymous_token: Option<String>,
}

impl std::fmt::Debug for DemoTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTarget")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// The environment variables the demo reads: the first three are required
/// when `KDOCS_BASE_URL` is set, the last two optional.
pub const ENV_VARS: [&str; 5] = [
    "KDOCS_BASE_URL",
    "KDOCS_APP_ID",
    "KDOCS_APP_KEY",
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
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let Some(base_url) = get("KDOCS_BASE_URL") else {
            return Ok(None);
        };
        let missing: Vec<&str> = ENV_VARS[1..3]
            .iter()
            .copied()
            .filter(|name| get(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "KDOCS_BASE_URL is set, so the demo targets that server, but {} {} not set",
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ));
        }
        Ok(Some(Self {
            base_url,
            app_id: get("KDOCS_APP_ID").unwrap_or_default(),
            app_key: get("KDOCS_APP_KEY").unwrap_or_default(),
            access_token: get("KDOCS_ACCESS_TOKEN"),
            anonymous_token: get("KDOCS_ANONYMOUS_TOKEN"),
        }))
    }

    /// The target of a running fake: its app, a user access token (so that
    /// `kdocs <operation>` works against it at once; the demo then skips the
    /// authorize page), and an anonymous token of a preview task on a
    /// document of its own (for a demo run from another process, which cannot
    /// ask the fake for its task's token; good for one run).
    pub fn seed_fake(fake: &FakeKdocs) -> Self {
        let file_token = fake.add_file("seed.docx", demo_document());
        Self {
            base_url: fake.base_url(),
            app_id: fake.app_id().to_owned(),
            app_key: fake.app_key().to_owned(),
            access_token: Some(fake.issue_access_token()),
            anonymous_token: Some(fake.create_preview_token(&file_token)),
        }
    }

    /// The values by variable name, in [`ENV_VARS`] order (the unset ones
    /// left out).
    pub fn env(&self) -> Vec<(&'static str, &str)> {
        let values = [
            Some(self.base_url.as_str()),
            Some(self.app_id.as_str()),
            Some(self.app_key.as_str()),
            self.access_token.as_deref(),
            self.anonymous_token.as_deref(),
        ];
        ENV_VARS
            .into_iter()
            .zip(values)
            .filter_map(|(name, value)| Some((name, value?)))
            .collect()
    }

    /// The values as the one JSON line `kdocs fake` prints: each variable's
    /// name without `KDOCS_`, in lower case.
    pub fn to_json_line(&self) -> String {
        let object: serde_json::Map<String, serde_json::Value> = self
            .env()
            .into_iter()
            .map(|(name, value)| {
                let key = name.trim_start_matches("KDOCS_").to_ascii_lowercase();
                (key, value.into())
            })
            .collect();
        serde_json::Value::Object(object).to_string()
    }
}

/// The bytes of the document the demo uploads.
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
        self.failed == 0 && self.passed == STEPS
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
    let target = DemoTarget {
        base_url: fake.base_url(),
        app_id: fake.app_id().to_owned(),
        app_key: fake.app_key().to_owned(),
        access_token: None,
        anonymous_token: None,
    };
    let report = run_with(&target, Some(&fake), out).await;
    fake.shutdown().await;
    report
}

/// Runs every step against `target`, printing each one to `out`.
pub async fn run(target: &DemoTarget, out: &mut impl Write) -> std::io::Result<DemoReport> {
    run_with(target, None, out).await
}

/// The user's tokens: the given access token, or the web flow (the authorize
/// page, then the code exchange).
async fn user_tokens(
    client: &Client,
    target: &DemoTarget,
    out: &mut impl Write,
) -> Result<UserTokens, String> {
    if let Some(token) = &target.access_token {
        writeln!(out, "      using KDOCS_ACCESS_TOKEN (redacted)").map_err(|e| e.to_string())?;
        return Ok(UserTokens {
            access_token: Secret::new(token.clone()),
            refresh_token: None,
            expires_at: None,
            lifetime: None,
        });
    }
    let url = client
        .authorize_url("https://demo.invalid/kdocs/callback")
        .scopes(["user_basic", "access_personal_files"])
        .state("demo-state")
        .build()
        .map_err(|e| e.to_string())?
        .into_url();
    // A person would open this page; the fake consents at once with a redirect.
    let response = client
        .http()
        .get(url.clone())
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| kdocs_client::runtime::Url::parse(v).ok());
    let Some(back) = location else {
        return Err(format!(
            "the authorize page answered HTTP {} without a redirect: open it in a browser \
             ({}), then set KDOCS_ACCESS_TOKEN",
            response.status().as_u16(),
            url.path()
        ));
    };
    let param = |name: &str| {
        back.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some("demo-state") {
        return Err("the redirect's state is not the one sent".into());
    }
    let code = param("code").ok_or("the redirect carries no code")?;
    writeln!(
        out,
        "      the authorize page redirected back with a code (redacted)"
    )
    .map_err(|e| e.to_string())?;
    client.exchange_code(code).await.map_err(|e| e.to_string())
}

async fn run_with(
    target: &DemoTarget,
    fake: Option<&FakeKdocs>,
    out: &mut impl Write,
) -> std::io::Result<DemoReport> {
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

    // 1. OAuth.
    writeln!(
        out,
        "[1/{STEPS}] OAuth: authorize page, then the code for the user's tokens"
    )?;
    let session = match user_tokens(&client, target, out).await {
        Ok(tokens) => {
            report.passed += 1;
            writeln!(
                out,
                "      ok: user tokens (redacted){}",
                match tokens.lifetime {
                    Some(l) => format!(", valid {} s, refreshed 5 minutes before", l.as_secs()),
                    None => String::new(),
                }
            )?;
            Some(UserSession::new(client.clone(), tokens))
        }
        Err(e) => {
            report.failed += 1;
            writeln!(out, "      FAILED: {e}")?;
            None
        }
    };
    let access_token = match &session {
        Some(session) => session.access_token().await.ok(),
        None => None,
    };
    let access = access_token
        .as_ref()
        .map(|t| t.expose_str().to_owned())
        .unwrap_or_default();

    // 2. The user.
    let result = client.get_user_info(GetUserInfoRequest::new(&access)).await;
    step::<GetUserInfoRequest, _, _>(out, &mut report, 2, result, |info| {
        let open_id = info.id.as_ref().and_then(|id| id.open_id.as_deref());
        format!("user {}", open_id.unwrap_or("(no open_id in the answer)"))
    })?;

    // 3. Upload a local file (streamed from disk, hashed once, signed as sent).
    let content = demo_document();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("demo-report.docx");
    std::fs::write(&path, &content)?;
    let result = client
        .upload_appspace_file(
            UploadAppspaceFileRequest::new(FilePart::from_path(&path))
                .with_parent_path(vec!["kdocs-demo".into()]),
        )
        .await;
    // The pages do not show the upload's answer; the fake's carries
    // `file_token`, as public clients read it from the create call's answer.
    let file_token = result
        .as_ref()
        .ok()
        .and_then(|answer| answer["file_token"].as_str())
        .map(str::to_owned)
        .unwrap_or_default();
    step::<UploadAppspaceFileRequest, _, _>(out, &mut report, 3, result, |_| {
        format!(
            "uploaded {} bytes as file_token {file_token}",
            content.len()
        )
    })?;

    // 4. An anonymous preview of it.
    let result = client
        .create_anonymous_preview(
            CreateAnonymousPreviewRequest::new(&file_token).with_download(true),
        )
        .await;
    let task_id = result.as_ref().ok().map(|task| task.task_id.clone());
    step::<CreateAnonymousPreviewRequest, _, _>(out, &mut report, 4, result, |task| {
        format!("task_id={}", task.task_id)
    })?;

    // 5. Its anonymous token, refreshed through the session. The documented
    // API has no call that turns a task id into its token: the in-process
    // fake tells it, an outside server needs KDOCS_ANONYMOUS_TOKEN.
    let anonymous = target.anonymous_token.clone().or_else(|| {
        fake.zip(task_id.as_deref())
            .and_then(|(fake, task)| fake.anonymous_token_for_task(task))
    });
    let anonymous_session = AnonymousSession::builder(client.clone())
        .from_token_unknown_expiry(anonymous.unwrap_or_default());
    let refreshed = anonymous_session.refresh().await;
    let refreshed_ok = refreshed.is_ok();
    step::<RefreshAnonymousTokenRequest, _, _>(out, &mut report, 5, refreshed, |token| {
        format!(
            "session refreshed the anonymous token (redacted), expire_at={}; the old one is now expired",
            token.expire_at
        )
    })?;
    if !refreshed_ok && target.anonymous_token.is_some() {
        writeln!(
            out,
            "      note: KDOCS_ANONYMOUS_TOKEN is good for one demo run: the demo refreshes it \
             (which expires it) and cancels the new one. Use a fresh token: restart \
             `kdocs fake`, or open a new anonymous preview on a real kdocs app"
        )?;
    }
    if refreshed_ok {
        match anonymous_session.web_office_token().await {
            Ok(sdk) => writeln!(
                out,
                "      for the browser: instance.setToken({{ token: <redacted>, timeout: {} }}) (ms until expiry)",
                sdk.timeout
            )?,
            Err(e) => writeln!(out, "      no token for the WebOfficeSDK: {e}")?,
        }
    }

    // 6. The edit URL, with the user's token.
    let result = client
        .get_edit_url_with_token(GetEditUrlWithTokenRequest::new(&file_token, &access))
        .await;
    step::<GetEditUrlWithTokenRequest, _, _>(out, &mut report, 6, result, |edit| {
        format!(
            "edit url={} with an exchange token expiring at {}",
            edit.url, edit.token.expire_at
        )
    })?;

    // 7. Download it back, verified, and compare with the local file.
    let mut downloaded = Vec::new();
    let result = client
        .download(&file_token)
        .to_writer(&mut downloaded)
        .await
        .map_err(|e| e.to_string())
        .and_then(|report| {
            if downloaded == content {
                Ok(report)
            } else {
                Err(format!(
                    "downloaded {} bytes that differ from the {} uploaded",
                    downloaded.len(),
                    content.len()
                ))
            }
        })
        .map_err(std::io::Error::other);
    step::<GetDownloadUrlRequest, _, _>(out, &mut report, 7, result, |download| {
        format!(
            "downloaded {} bytes, identical to the uploaded file; md5={}; {}",
            download.bytes, download.md5, download.completeness
        )
    })?;

    // 8. Cancel the anonymous token.
    let result = anonymous_session.cancel().await;
    step::<CancelAnonymousTokenRequest, _, _>(out, &mut report, 8, result, |_| {
        "anonymous token cancelled".into()
    })?;
    if let Err(e) = anonymous_session.token().await {
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

const STEPS: usize = 8;

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
        for name in &ENV_VARS[1..3] {
            assert!(err.contains(name), "{err}");
        }
        for name in &ENV_VARS[3..] {
            assert!(!err.contains(name), "{name} is optional: {err}");
        }
        let full = DemoTarget::from_lookup(|name| Some(format!("v-{name}")))
            .unwrap()
            .unwrap();
        assert_eq!(
            full.anonymous_token.as_deref(),
            Some("v-KDOCS_ANONYMOUS_TOKEN")
        );
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
            "get_user_info",
            "upload_appspace_file",
            "create_anonymous_preview",
            "refresh_anonymous_token",
            "get_edit_url_with_token",
            "get_download_url",
            "cancel_anonymous_token",
        ] {
            assert!(text.contains(name), "{text}");
        }
        assert!(text.contains("identical to the uploaded file"), "{text}");
    }

    #[tokio::test]
    async fn demo_reports_code_message_and_hint_on_failure() {
        let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
        let mut target = DemoTarget::seed_fake(&fake);
        target.app_key = "wrong-key".into();
        target.access_token = Some(fake.issue_access_token());
        let mut out = Vec::new();
        let report = run(&target, &mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        // The user-token steps need no signature; every signed one fails.
        assert_eq!((report.passed, report.failed), (2, 6), "{text}");
        // The fake's own code for a refused signature (no kdocs page gives one).
        assert!(
            text.contains("code=994031 message=FakeSignatureRefused hint="),
            "{text}"
        );
        assert!(!text.contains("wrong-key"), "{text}");
        fake.shutdown().await;
    }
}
