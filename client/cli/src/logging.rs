//! `-v`, `-vv` and `RUST_LOG`: the client's tracing on stderr, secrets
//! scrubbed.
//!
//! - `-v`: the kdocs crates' events and their `kdocs_call` spans (the
//!   operation, its attempts, status and time), at debug level;
//! - `-vv`: those at trace level, and the HTTP client's own logs (reqwest,
//!   hyper) at debug level;
//! - `RUST_LOG`, in the `target=level,…` form (`debug`,
//!   `kdocs_runtime=trace,reqwest=debug`), chooses instead of `-v`.
//!
//! The runtime scrubs its own events; every line written here also goes
//! through [`ScrubbedStderr`], which replaces the secrets the command knows
//! (the app key, the access token, a stored login's token) wherever they
//! appear, raw or percent-encoded, so a log of another crate (a URL with a
//! token in its query) cannot show one either.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;

/// The crates whose events `-v` shows.
const OWN: [&str; 4] = [
    "kdocs_runtime",
    "kdocs_client",
    "kdocs_token_store",
    "kdocs_cli",
];

/// What replaces a secret in a log line.
const SCRUBBED: &str = "***";

/// The secrets known to the command, kept out of the log.
fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Adds `secret` to the values the log never shows.
pub(crate) fn keep_secret(secret: &str) {
    // A very short value would match ordinary text and protect nothing.
    if secret.len() < 4 {
        return;
    }
    let mut secrets = secrets().lock().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_owned());
        // Longest first, so that a secret inside another is not left half shown.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every known secret, raw or percent-encoded, replaced.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        let encoded: String =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        for form in [
            secret.as_str(),
            encoded.as_str(),
            &encoded.to_ascii_lowercase(),
        ] {
            if text.contains(form) {
                text = text.replace(form, SCRUBBED);
            }
        }
    }
    text
}

/// Standard error, each write scrubbed of the known secrets. The fmt layer
/// writes one whole event per write, so a secret is never split across two.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScrubbedStderr;

impl Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let secrets = secrets().lock().unwrap_or_else(|e| e.into_inner()).clone();
        std::io::stderr().write_all(scrub(&text, &secrets).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// What to log for `-v` given `verbose` times, or for `rust_log`.
pub(crate) fn targets(verbose: u8, rust_log: Option<&str>) -> Result<Option<Targets>, String> {
    if let Some(spec) = rust_log.filter(|s| !s.trim().is_empty()) {
        return spec
            .parse::<Targets>()
            .map(Some)
            .map_err(|e| format!("RUST_LOG `{spec}` is not target=level,…: {e}"));
    }
    let (own, others) = match verbose {
        0 => return Ok(None),
        1 => (LevelFilter::DEBUG, LevelFilter::OFF),
        _ => (LevelFilter::TRACE, LevelFilter::DEBUG),
    };
    let targets = OWN
        .iter()
        .fold(Targets::new().with_default(others), |t, target| {
            t.with_target(*target, own)
        });
    Ok(Some(targets))
}

/// Installs the subscriber for `verbose` and `RUST_LOG`, once per process,
/// after keeping `secrets` out of it.
pub(crate) fn init(verbose: u8, secrets: &[String]) -> Result<(), crate::failure::Failure> {
    for secret in secrets {
        keep_secret(secret);
    }
    let rust_log = std::env::var("RUST_LOG").ok();
    let Some(targets) =
        targets(verbose, rust_log.as_deref()).map_err(crate::failure::Failure::usage)?
    else {
        return Ok(());
    };
    let bridge_logs = verbose >= 2 || rust_log.is_some();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(|| ScrubbedStderr)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(true);
    let subscriber = tracing_subscriber::registry().with(layer).with(targets);
    // A second command in the same process (a test) keeps the first one's.
    if tracing::subscriber::set_global_default(subscriber).is_ok() && bridge_logs {
        // reqwest and hyper's `log` records, as tracing events.
        let _ = tracing_log::LogTracer::init();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_raw_and_encoded() {
        let secrets = vec!["tok/en+1=".to_owned(), "app-key-123".to_owned()];
        let line = "GET /user?access_token=tok%2Fen%2B1%3D key=app-key-123 raw tok/en+1= low tok%2fen%2b1%3d";
        let scrubbed = scrub(line, &secrets);
        assert_eq!(
            scrubbed,
            "GET /user?access_token=*** key=*** raw *** low ***"
        );
        assert_eq!(scrub("nothing secret", &secrets), "nothing secret");
    }

    #[test]
    fn verbosity_chooses_the_targets() {
        assert!(targets(0, None).unwrap().is_none());
        let one = targets(1, None).unwrap().unwrap();
        assert!(one.would_enable("kdocs_runtime::client::call", &tracing::Level::DEBUG));
        assert!(!one.would_enable("kdocs_runtime::client::call", &tracing::Level::TRACE));
        assert!(!one.would_enable("reqwest::connect", &tracing::Level::DEBUG));
        let two = targets(2, None).unwrap().unwrap();
        assert!(two.would_enable("kdocs_client", &tracing::Level::TRACE));
        assert!(two.would_enable("reqwest::connect", &tracing::Level::DEBUG));
        let env = targets(0, Some("reqwest=trace")).unwrap().unwrap();
        assert!(env.would_enable("reqwest", &tracing::Level::TRACE));
        assert!(!env.would_enable("kdocs_runtime", &tracing::Level::ERROR));
        assert!(targets(0, Some("a=notalevel")).is_err());
    }
}
