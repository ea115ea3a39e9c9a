//! Which URLs the client sends anything to, and how it shows a URL.
//!
//! Two kinds of URL carry credentials: the base URL (every signed call goes
//! there, with tokens in paths and queries) and the presigned download URLs the
//! API returns (the URL *is* the capability). Both follow one rule,
//! `check_scheme`:
//!
//! - `https` always;
//! - plain `http` only to a loopback host (`127.0.0.0/8`, `::1`, `localhost`),
//!   where nothing leaves the machine, or when the caller opted in with
//!   [`Config::with_insecure_http`](super::Config::with_insecure_http);
//! - never an unspecified address (`0.0.0.0`, `::`), which the system maps to
//!   some local interface, and never a URL with a user name or password.
//!
//! A URL is shown in errors and `Debug` output only as its origin
//! ([`origin`]: `scheme://host[:port]`) or, for the base URL the caller chose,
//! with its path but without user info, query or fragment ([`redacted`]).

use std::net::IpAddr;

/// Whether the URL's host is a loopback address (or `localhost`), where plain
/// http never leaves the machine.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Why a URL may not be used, in words for an error message (never the URL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not `http` or `https`.
    Scheme(String),
    /// Plain `http` to a host that is not loopback, without the opt-in.
    ClearText,
    /// `0.0.0.0`, `::` or no host at all.
    NoHost,
    /// The URL carries a user name or password.
    UserInfo,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Scheme(scheme) => write!(f, "scheme `{scheme}` is not http(s)"),
            Refusal::ClearText => f.write_str(
                "plain http to a non-loopback host would travel in clear text \
                 (use https, a loopback address, or Config::with_insecure_http)",
            ),
            Refusal::NoHost => f.write_str("the host is missing or an unspecified address"),
            Refusal::UserInfo => f.write_str("the URL carries a user name or password"),
        }
    }
}

/// The one rule for URLs that carry credentials (see the [module docs](self)).
pub(crate) fn check_scheme(url: &url::Url, allow_insecure_http: bool) -> Result<(), Refusal> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::UserInfo);
    }
    let unspecified = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_unspecified(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_unspecified(),
        Some(url::Host::Domain(d)) => d.is_empty(),
        None => true,
    };
    if unspecified {
        return Err(Refusal::NoHost);
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) || allow_insecure_http => Ok(()),
        "http" => Err(Refusal::ClearText),
        other => Err(Refusal::Scheme(other.chars().take(32).collect())),
    }
}

/// `scheme://host[:port]`: what an error may say about a URL it did not
/// choose (a redirect target, a presigned download URL).
pub fn origin(url: &url::Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(host) => host.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// A URL given as text, without user info, query or fragment; unparsable text
/// is not shown at all (it may be anything, a token included).
pub fn redacted(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(url) => {
            let path = url.path();
            let path = if path == "/" { "" } else { path };
            format!("{}{path}", origin(&url))
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn the_rule() {
        assert_eq!(
            check_scheme(&url("https://developer.kdocs.cn"), false),
            Ok(())
        );
        assert_eq!(check_scheme(&url("http://127.0.0.1:8080/x"), false), Ok(()));
        assert_eq!(check_scheme(&url("http://[::1]/"), false), Ok(()));
        assert_eq!(check_scheme(&url("http://LOCALHOST/"), false), Ok(()));
        assert_eq!(
            check_scheme(&url("http://example.com"), false),
            Err(Refusal::ClearText)
        );
        assert_eq!(check_scheme(&url("http://example.com"), true), Ok(()));
        for unspecified in ["http://0.0.0.0:80/", "https://0.0.0.0/", "https://[::]/"] {
            assert_eq!(
                check_scheme(&url(unspecified), true),
                Err(Refusal::NoHost),
                "{unspecified}"
            );
        }
        assert_eq!(
            check_scheme(&url("https://u:p@example.com"), false),
            Err(Refusal::UserInfo)
        );
        assert_eq!(
            check_scheme(&url("https://u@example.com"), false),
            Err(Refusal::UserInfo)
        );
        assert_eq!(
            check_scheme(&url("ftp://example.com"), true),
            Err(Refusal::Scheme("ftp".into()))
        );
        assert_eq!(
            check_scheme(&url("file:///etc/passwd"), true),
            Err(Refusal::NoHost)
        );
    }

    #[test]
    fn shown_forms() {
        let u = url("https://user:pw@cdn.example.com:8443/a/b.docx?Signature=secret#x");
        assert_eq!(origin(&u), "https://cdn.example.com:8443");
        assert_eq!(origin(&url("http://[::1]:9/p")), "http://[::1]:9");
        assert_eq!(
            origin(&url("https://example.com:443/p")),
            "https://example.com"
        );
        assert_eq!(
            redacted("https://user:pw@example.com/prefix/?access_token=t#f"),
            "https://example.com/prefix/"
        );
        assert_eq!(redacted("https://example.com"), "https://example.com");
        assert_eq!(redacted("not a url?token=1"), "(an unparsable URL)");
    }
}
