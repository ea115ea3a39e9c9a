//! Why a command did not succeed: the kind of failure, its exit status, and
//! how it is shown on stderr (a line of text, or with `--error-format json`
//! one JSON object).
//!
//! | Exit status | Kind | When |
//! |---|---|---|
//! | 0 | | the command succeeded |
//! | 1 | `api`, `paging`, `download`, `store`, `login`, `io` | the call failed otherwise: the service refused it, its answer was unusable, a download, a token store or a login's redirect failed |
//! | 2 | `usage` | the command line (or the config file) cannot run: a missing or bad flag, missing credentials |
//! | 3 | `auth` | the service refused the credentials, the token or the signature ([`Error::is_auth`]), or a login must be renewed |
//! | 4 | `not_found` | what the call names does not exist ([`Error::is_not_found`]) |
//! | 5 | `network`, `timeout` | no answer: the connection failed, or a time limit elapsed |

use std::process::ExitCode;

use kdocs_client::oauth::OAuthError;
use kdocs_client::{DownloadError, Error};
use serde_json::json;

use crate::args::CommandError;

/// What kind of failure, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The command line cannot run (2).
    Usage,
    /// The credentials were refused (3).
    Auth,
    /// What the call names does not exist (4).
    NotFound,
    /// No answer: the connection failed (5).
    Network,
    /// No answer in time (5).
    Timeout,
    /// The service answered with an error, or with what is not its answer (1).
    Api,
    /// A walk of pages stopped at its bound (1).
    Paging,
    /// A download failed after its URL was given (1).
    Download,
    /// The token store failed (1).
    Store,
    /// A login's redirect was not this login's, or carried no code (1).
    Login,
    /// Anything else: a local file, a listener, the terminal (1).
    Io,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Usage => "usage",
            Kind::Auth => "auth",
            Kind::NotFound => "not_found",
            Kind::Network => "network",
            Kind::Timeout => "timeout",
            Kind::Api => "api",
            Kind::Paging => "paging",
            Kind::Download => "download",
            Kind::Store => "store",
            Kind::Login => "login",
            Kind::Io => "io",
        }
    }

    fn exit_status(self) -> u8 {
        match self {
            Kind::Usage => 2,
            Kind::Auth => 3,
            Kind::NotFound => 4,
            Kind::Network | Kind::Timeout => 5,
            Kind::Api | Kind::Paging | Kind::Download | Kind::Store | Kind::Login | Kind::Io => 1,
        }
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
pub(crate) struct Failure {
    kind: Kind,
    message: String,
    code: Option<i64>,
    status: Option<u16>,
    operation: Option<&'static str>,
}

impl Failure {
    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            code: None,
            status: None,
            operation: None,
        }
    }

    /// The command line cannot run.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    /// A login's redirect is not usable.
    pub(crate) fn login(message: impl Into<String>) -> Self {
        Self::new(Kind::Login, message)
    }

    /// Something local failed (a file, a listener, the terminal).
    pub(crate) fn io(message: impl Into<String>) -> Self {
        Self::new(Kind::Io, message)
    }

    /// The token store failed.
    pub(crate) fn store(message: impl Into<String>) -> Self {
        Self::new(Kind::Store, message)
    }

    /// The call's answer was not usable, or the work failed after it.
    pub(crate) fn api(message: impl Into<String>) -> Self {
        Self::new(Kind::Api, message)
    }

    /// No answer in time (exit status 5).
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Self::new(Kind::Timeout, message)
    }

    /// The kind of failure.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// What went wrong, in words.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The exit status that tells this kind of failure apart.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.kind.exit_status())
    }

    /// The failure as `--error-format json` prints it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "error": {
                "kind": self.kind.name(),
                "message": self.message,
                "code": self.code,
                "status": self.status,
                "operation": self.operation,
            }
        })
    }

    /// The failure of a call, judged as [`Error`]'s own tests judge it.
    pub(crate) fn from_call(error: &Error) -> Self {
        let kind = if error.is_auth() {
            Kind::Auth
        } else if error.is_not_found() {
            Kind::NotFound
        } else if error.is_timeout() {
            Kind::Timeout
        } else {
            match error {
                Error::Transport { .. } => Kind::Network,
                Error::InvalidArgument { .. } | Error::Config(_) => Kind::Usage,
                Error::Paging { .. } => Kind::Paging,
                Error::Upload { .. } => Kind::Io,
                _ => Kind::Api,
            }
        };
        Failure {
            kind,
            message: error.to_string(),
            code: error.code(),
            status: error.status(),
            operation: error.context().map(|c| c.operation),
        }
    }

    /// The failure of a download.
    pub(crate) fn from_download(error: &DownloadError) -> Self {
        let kind = match error {
            DownloadError::GetUrl { source } => return Self::from_call(source),
            DownloadError::Status { status, .. } => match status {
                401 | 403 => Kind::Auth,
                404 | 410 => Kind::NotFound,
                _ => Kind::Download,
            },
            DownloadError::Transport { .. } | DownloadError::Truncated { .. } => Kind::Network,
            DownloadError::Stalled { .. } | DownloadError::Deadline { .. } => Kind::Timeout,
            DownloadError::NotReplaced { .. }
            | DownloadError::Write { .. }
            | DownloadError::File { .. } => Kind::Io,
            _ => Kind::Download,
        };
        let mut failure = Self::new(kind, error.to_string());
        if let DownloadError::Status { status, .. } = error {
            failure.status = Some(*status);
        }
        failure
    }

    /// The failure of a login, a refresh or the tokens' store.
    pub(crate) fn from_oauth(error: &OAuthError) -> Self {
        match error {
            OAuthError::Exchange { source } => Self::from_call(source),
            OAuthError::Refresh { source } => Self::from_call(source),
            OAuthError::Store { .. } => Self::store(error.to_string()),
            OAuthError::Authorize { .. } => Self::usage(error.to_string()),
            // No token, no refresh token, a login to renew: the user must
            // authorize again.
            _ => Self::new(Kind::Auth, error.to_string()),
        }
    }
}

impl From<CommandError> for Failure {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Missing(flag) => {
                let env = crate::settings::credential_env(&flag)
                    .map(|env| format!(" (or set {env})"))
                    .unwrap_or_default();
                Failure::usage(format!("`{flag}` is required{env}"))
            }
            CommandError::Call(e) => Failure::from_call(&e),
            other => Failure::usage(other.to_string()),
        }
    }
}

/// How failures are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ErrorFormat {
    /// `error: …`, one line of text.
    #[default]
    Text,
    /// `{"error": {…}}`, one JSON object.
    Json,
}

impl ErrorFormat {
    /// The format `--error-format` names among `args`, read before they are
    /// parsed: a command line that does not parse reports in that format too.
    pub(crate) fn scan<T: AsRef<std::ffi::OsStr>>(args: &[T]) -> Self {
        let mut args = args.iter().map(|a| a.as_ref().to_string_lossy());
        let mut format = ErrorFormat::Text;
        while let Some(arg) = args.next() {
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--error-format") {
                Some("") => args.next().map(|v| v.into_owned()),
                Some(rest) => rest.strip_prefix('=').map(str::to_owned),
                None => None,
            };
            match value.as_deref() {
                Some("json") => format = ErrorFormat::Json,
                Some("text") => format = ErrorFormat::Text,
                _ => {}
            }
        }
        format
    }

    /// Writes `failure` to `err` (a closed stderr is not an error).
    pub(crate) fn write(self, failure: &Failure, err: &mut impl std::io::Write) {
        let _ = match self {
            ErrorFormat::Text => writeln!(err, "error: {}", failure.message()),
            ErrorFormat::Json => writeln!(err, "{}", failure.to_json()),
        };
    }
}

/// The failure clap reports for a command line it cannot parse: its
/// message up to the usage line, as one line.
pub(crate) fn from_clap(error: &clap::Error) -> Failure {
    let text = error.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let message = message.join(" ");
    Failure::usage(message.strip_prefix("error: ").unwrap_or(&message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_status() {
        let status = |kind: Kind| Failure::new(kind, "x").exit_code();
        assert_eq!(status(Kind::Usage), ExitCode::from(2));
        assert_eq!(status(Kind::Auth), ExitCode::from(3));
        assert_eq!(status(Kind::NotFound), ExitCode::from(4));
        assert_eq!(status(Kind::Network), ExitCode::from(5));
        assert_eq!(status(Kind::Timeout), ExitCode::from(5));
        assert_eq!(status(Kind::Api), ExitCode::from(1));
        assert_eq!(status(Kind::Io), ExitCode::from(1));
    }

    #[test]
    fn the_json_object_names_kind_message_code_status_and_operation() {
        let failure = Failure::usage("`--file-token` is required");
        assert_eq!(
            failure.to_json(),
            json!({"error": {"kind": "usage", "message": "`--file-token` is required",
                "code": null, "status": null, "operation": null}})
        );
        let mut out = Vec::new();
        ErrorFormat::Json.write(&failure, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            failure.to_json()
        );
        let mut out = Vec::new();
        ErrorFormat::Text.write(&failure, &mut out);
        assert_eq!(out, b"error: `--file-token` is required\n");
    }

    #[test]
    fn the_error_format_is_found_before_parsing() {
        let scan = |args: &[&str]| ErrorFormat::scan(args);
        assert_eq!(scan(&["kdocs", "x"]), ErrorFormat::Text);
        assert_eq!(
            scan(&["kdocs", "--error-format", "json"]),
            ErrorFormat::Json
        );
        assert_eq!(
            scan(&["kdocs", "a", "--error-format=json"]),
            ErrorFormat::Json
        );
        assert_eq!(
            scan(&["kdocs", "--error-format=json", "--error-format", "text"]),
            ErrorFormat::Text
        );
        assert_eq!(
            scan(&["kdocs", "--", "--error-format=json"]),
            ErrorFormat::Text
        );
    }

    #[test]
    fn a_config_error_is_a_usage_error() {
        let failure = Failure::from_call(&Error::Config("the app key is empty".into()));
        assert_eq!(failure.kind(), Kind::Usage);
        assert_eq!(failure.exit_code(), ExitCode::from(2));
    }
}
