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
    /// A download URL on this machine or a private network while the base
    /// URL is not, without the opt-in.
    LocalHost,
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
            Refusal::LocalHost => f.write_str(
                "the host is this machine or a private network, and the base URL is not \
                 (Config::with_insecure_http allows it)",
            ),
        }
    }
}

/// The one rule for URLs that carry credentials (see the [module docs](self)).
pub(crate) fn check_scheme(url: &url::Url, allow_insecure_http: bool) -> Result<(), Refusal> {
    check(url, allow_insecure_http, true)
}

/// The rule for each hop of a download, whose URL the service chose: the
/// rule above, but plain http to loopback only when the base URL is itself
/// on this machine or a private network (a local fake hands out local URLs),
/// and no host on this machine or a private network otherwise, over any
/// scheme, unless the caller opted in with `allow_insecure_http`. A hostile
/// answer cannot point a download at a local service.
pub(crate) fn check_download(
    url: &url::Url,
    base: &url::Url,
    allow_insecure_http: bool,
) -> Result<(), Refusal> {
    let local_base = is_local(base);
    check(url, allow_insecure_http, local_base)?;
    if is_local(url) && !local_base && !allow_insecure_http {
        return Err(Refusal::LocalHost);
    }
    Ok(())
}

/// Whether the host is this machine or a private network: loopback and
/// `localhost`, the private IPv4 ranges (10/8, 172.16/12, 192.168/16,
/// 100.64/10), link-local (169.254/16, fe80::/10), unique-local IPv6
/// (fc00::/7). IPv4 written as one number or in hex (`2130706433`,
/// `0x7f.1`) is parsed as the address it is.
pub fn is_local(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            let [a, b, ..] = ip.octets();
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        Some(url::Host::Ipv6(ip)) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return v4.is_loopback() || v4.is_private() || v4.is_link_local();
            }
            let first = ip.segments()[0];
            ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

fn check(url: &url::Url, allow_insecure_http: bool, loopback_http: bool) -> Result<(), Refusal> {
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
        "http" if (loopback_http && is_loopback(url)) || allow_insecure_http => Ok(()),
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
    fn download_hops_stay_off_local_hosts_unless_the_base_is_local() {
        let remote = url("https://developer.kdocs.cn");
        let local = url("http://127.0.0.1:8080");
        for bad in [
            "http://127.0.0.1:9/x",
            "http://localhost:9/x",
            "http://2130706433:9/x",
            "http://0x7f.1:9/x",
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://172.16.3.4/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://api.localhost/x",
        ] {
            let u = url(bad);
            assert!(check_download(&u, &remote, false).is_err(), "{bad}");
            // The caller's opt-in allows it.
            assert!(check_download(&u, &remote, true).is_ok(), "{bad}");
        }
        assert_eq!(
            check_download(&url("https://10.0.0.8/x"), &remote, false),
            Err(Refusal::LocalHost)
        );
        // Plain http to loopback: refused as clear text with a remote base.
        assert_eq!(
            check_download(&url("http://127.0.0.1:9/x"), &remote, false),
            Err(Refusal::ClearText)
        );
        // A CDN over https is what a download is.
        assert!(check_download(&url("https://cdn.example.com/a?sig=1"), &remote, false).is_ok());
        // A local base (the fake) hands out local URLs, plain http included.
        assert!(check_download(&url("http://127.0.0.1:9/x"), &local, false).is_ok());
        assert!(check_download(&url("http://localhost:9/x"), &local, false).is_ok());
        // But still no clear text to a remote host.
        assert_eq!(
            check_download(&url("http://cdn.example.com/x"), &local, false),
            Err(Refusal::ClearText)
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
