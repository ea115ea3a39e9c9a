//! `kdocs auth`: log a user in once, and let every later command act as
//! that user, as `gh auth login` does.
//!
//! - `kdocs auth login` prints the authorize URL (and opens a browser with
//!   `--open`), receives the redirect on the loopback address of the
//!   registered redirect URI (or, with `--paste`, reads the redirected URL
//!   from standard input, for a machine without a browser), checks its
//!   `state`, exchanges the code and stores the tokens;
//! - `kdocs auth status` shows who is logged in and until when, never a
//!   token;
//! - `kdocs auth logout` removes the stored tokens.
//!
//! The tokens live in a token store: an SQLite file in the user's config
//! folder (`$KDOCS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/kdocs`, else
//! `~/.config/kdocs`; the file 0600, the folder 0700; the folder of the
//! config file too) unless `--store` (or the profile's
//! `store`) names another file or a `redis://` (`rediss://`) server. Several
//! logins live side by side under account names (`--account`, default
//! `default`).
//!
//! An operation that takes a user's access token uses the stored login when
//! no `--access-token` (or `KDOCS_ACCESS_TOKEN`) is given, refreshing it
//! when it is due and storing the refreshed pair.

use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint};
use kdocs_client::oauth::{AuthorizeLink, SessionSettings, UserRegistry, UserSession};
use kdocs_client::token_store::{RedisStore, SqliteStore, StoreKey, TokenStore};
use kdocs_client::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::failure::Failure;
use crate::settings::{self, Options, Settings};

/// The account name unless `--account` gives one.
pub const DEFAULT_ACCOUNT: &str = "default";

/// How long `login` waits for the redirect: the code itself lives 5 minutes.
const CALLBACK_WAIT: Duration = Duration::from_secs(300);

/// The largest request head the callback listener reads.
const MAX_CALLBACK_HEAD: usize = 16 * 1024;

/// `kdocs auth` and its subcommands.
pub(crate) fn command() -> Command {
    Command::new("auth")
        .about("Log a user in, show who is logged in, log out (tokens kept in a token store)")
        .subcommand_required(true)
        .subcommand(settings::with_options(
            Command::new("login")
                .about("Authorize a user in the browser and store their tokens")
                .long_about(
                    "Authorize a user in the browser and store their tokens. The authorize URL is \
                     printed on stderr (and opened with --open); kdocs sends the browser back to \
                     --redirect-uri, one of the app's registered callback URLs. With a loopback \
                     http redirect URI (http://127.0.0.1:PORT/…, http://localhost:PORT/…) the \
                     redirect is received here; otherwise, or with --paste, paste the URL the \
                     browser was sent to.",
                )
                .arg(
                    Arg::new("redirect_uri")
                        .long("redirect-uri")
                        .value_name("URL")
                        .required(true)
                        .value_hint(ValueHint::Url)
                        .help("One of the app's registered callback URLs"),
                )
                .arg(
                    Arg::new("scope")
                        .long("scope")
                        .value_name("SCOPE")
                        .action(ArgAction::Append)
                        .help("A scope to ask for (repeat for more; default user_basic)"),
                )
                .arg(
                    Arg::new("open")
                        .long("open")
                        .action(ArgAction::SetTrue)
                        .help("Open the authorize URL in the browser"),
                )
                .arg(
                    Arg::new("paste")
                        .long("paste")
                        .action(ArgAction::SetTrue)
                        .help("Read the redirected URL from standard input instead of listening"),
                ),
            Options::CallAndPrint,
        ))
        .subcommand(settings::with_options(
            Command::new("status").about(
                "Show the stored logins of this app: account, expiry, whether a refresh is \
                 possible (never a token)",
            ),
            Options::CallAndPrint,
        ))
        .subcommand(settings::with_options(
            Command::new("logout").about("Remove the stored tokens of --account"),
            Options::CallAndPrint,
        ))
}

/// The store `settings` name, and how to show it.
async fn open_store(settings: &Settings) -> Result<(Arc<dyn TokenStore>, String), Failure> {
    let given = settings.store.as_deref();
    if let Some(url) = given.filter(|s| s.starts_with("redis://") || s.starts_with("rediss://")) {
        let store = RedisStore::connect(url)
            .await
            .map_err(|e| Failure::store(e.to_string()))?;
        let shown = format!("{store:?}");
        return Ok((Arc::new(store), shown));
    }
    let path = match given {
        Some(path) => PathBuf::from(path),
        None => crate::config::config_dir()
            .ok_or_else(|| {
                Failure::usage(
                    "no config folder (HOME is not set): pass --store or set KDOCS_CONFIG_DIR",
                )
            })?
            .join("tokens.sqlite"),
    };
    let shown = path.display().to_string();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(path))
        .await
        .map_err(|e| Failure::io(e.to_string()))?
        .map_err(|e| Failure::store(e.to_string()))?;
    Ok((Arc::new(store), shown))
}

/// Runs `kdocs auth <name>`, `matches` being the subcommand's; its answer.
pub(crate) async fn run(
    name: &str,
    matches: &ArgMatches,
    settings: &Settings,
    client: Client,
    err: &mut impl Write,
) -> Result<serde_json::Value, Failure> {
    let (store, shown) = open_store(settings).await?;
    let registry =
        UserRegistry::with_settings(client.clone(), store.clone(), SessionSettings::new());
    let account = settings.account.as_str();
    match name {
        "login" => login(matches, account, &client, &registry, &shown, err).await,
        "status" => status(&client, store.as_ref(), &shown).await,
        "logout" => {
            let removed = registry
                .logout(account)
                .await
                .map_err(|e| Failure::from_oauth(&e))?;
            Ok(serde_json::json!({ "account": account, "logged_out": removed, "store": shown }))
        }
        _ => Err(Failure::usage("kdocs auth: login, status or logout")),
    }
}

async fn login(
    matches: &ArgMatches,
    account: &str,
    client: &Client,
    registry: &UserRegistry,
    shown: &str,
    err: &mut impl Write,
) -> Result<serde_json::Value, Failure> {
    let redirect_uri = crate::app::text(matches, "redirect_uri").unwrap_or_default();
    let scopes: Vec<String> = matches
        .get_many::<String>("scope")
        .map(|s| s.cloned().collect())
        .unwrap_or_else(|| vec!["user_basic".to_owned()]);
    let link = client
        .authorize_url(redirect_uri)
        .scopes(scopes)
        .build()
        .map_err(|e| Failure::from_oauth(&e))?;
    let redirect = reqwest::Url::parse(redirect_uri).map_err(|e| Failure::usage(e.to_string()))?;
    let listen = (!matches.get_flag("paste"))
        .then(|| loopback_addr(&redirect))
        .flatten();
    // Bound before the URL is shown, so the redirect cannot come too early.
    let listener = match listen {
        Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
            Failure::io(format!(
                "cannot listen on {addr} for the redirect ({e}); pass --paste to paste the \
                 redirected URL instead"
            ))
        })?),
        None => None,
    };
    let _ = writeln!(
        err,
        "Open this URL in a browser to authorize the app:\n\n  {}\n",
        link.url()
    );
    if matches.get_flag("open") {
        open_browser(link.url().as_str(), err);
    }
    let code = match listener {
        Some(listener) => {
            let _ = writeln!(err, "Waiting for the redirect to {}…", redirect.as_str());
            let _ = err.flush();
            tokio::time::timeout(
                CALLBACK_WAIT,
                receive_callback(listener, redirect.path(), &link),
            )
            .await
            .map_err(|_| {
                Failure::io(format!("no redirect within {} s", CALLBACK_WAIT.as_secs()))
            })??
        }
        None => {
            let _ = writeln!(
                err,
                "Paste the URL the browser was sent to, then press Enter:"
            );
            let _ = err.flush();
            let line = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map(|_| line)
            })
            .await
            .map_err(|e| Failure::io(e.to_string()))?
            .map_err(|e| Failure::io(format!("cannot read standard input: {e}")))?;
            code_from_redirect(line.trim(), &link)?
        }
    };
    let tokens = client
        .exchange_code(code)
        .await
        .map_err(|e| Failure::from_oauth(&e))?;
    let session = registry
        .login(account, tokens)
        .await
        .map_err(|e| Failure::from_oauth(&e))?;
    let tokens = session.tokens().await;
    Ok(serde_json::json!({
        "account": account,
        "logged_in": true,
        "expires_at": tokens.expires_at.map(unix_secs),
        "refreshable": tokens.refresh_token.is_some(),
        "store": shown,
    }))
}

/// Where to listen for the redirect: a loopback `http` URI with a port.
fn loopback_addr(redirect: &reqwest::Url) -> Option<SocketAddr> {
    if redirect.scheme() != "http" {
        return None;
    }
    let port = redirect.port()?;
    let host = redirect.host_str()?;
    let ip = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()
            .filter(IpAddr::is_loopback)?
    };
    Some(SocketAddr::new(ip, port))
}

/// The code of the redirect `url`, after its `state` is checked.
fn code_from_redirect(url: &str, link: &AuthorizeLink) -> Result<String, Failure> {
    let url = reqwest::Url::parse(url)
        .map_err(|_| Failure::login("that is not the redirected URL (not a URL)"))?;
    let get = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    if !get("state").is_some_and(|state| link.state_matches(&state)) {
        return Err(Failure::login(
            "the redirect's state is not the one sent: not this login's redirect",
        ));
    }
    get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Failure::login("the redirect carries no code (was access denied?)"))
}

/// Answers requests on `listener` until one to `path` carries this login's
/// redirect; its code.
async fn receive_callback(
    listener: TcpListener,
    path: &str,
    link: &AuthorizeLink,
) -> Result<String, Failure> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Failure::io(format!("the redirect listener failed: {e}")))?;
        let Some(target) = read_request_target(&mut stream).await else {
            continue;
        };
        let url = format!("http://127.0.0.1{target}");
        let on_path = reqwest::Url::parse(&url).is_ok_and(|u| u.path() == path);
        let result = if on_path {
            Some(code_from_redirect(&url, link))
        } else {
            None
        };
        let (status, body) = match &result {
            Some(Ok(_)) => ("200 OK", "Logged in: you may close this window."),
            Some(Err(_)) => ("400 Bad Request", "This is not the redirect of this login."),
            None => ("404 Not Found", "Not the redirect path."),
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        if let Some(Ok(code)) = result {
            return Ok(code);
        }
    }
}

/// The target of a `GET` request line (`/callback?code=…`), read within a
/// bounded head and time.
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_CALLBACK_HEAD {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts
        .next()
        .filter(|t| t.starts_with('/'))
        .map(str::to_owned)
}

/// Opens `url` with the desktop's opener; says so when there is none.
fn open_browser(url: &str, err: &mut impl Write) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(opener)
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok();
    if !opened {
        let _ = writeln!(err, "(could not run {opener}: open the URL by hand)");
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

async fn status(
    client: &Client,
    store: &dyn TokenStore,
    shown: &str,
) -> Result<serde_json::Value, Failure> {
    let app_id = client.credentials().app_id();
    let users = store
        .users(app_id)
        .await
        .map_err(|e| Failure::store(e.to_string()))?;
    let now = SystemTime::now();
    let mut accounts = Vec::new();
    for user in users {
        let key = StoreKey::new(app_id, &user).map_err(|e| Failure::store(e.to_string()))?;
        let Some(entry) = store
            .load(&key)
            .await
            .map_err(|e| Failure::store(e.to_string()))?
        else {
            continue;
        };
        let tokens = entry.tokens;
        accounts.push(serde_json::json!({
            "account": user,
            "expires_at": tokens.expires_at.map(unix_secs),
            "expired": tokens.expires_at.is_some_and(|at| at <= now),
            "refreshable": tokens.refresh_token.is_some() && !tokens.needs_reauthorization,
            "needs_login": tokens.needs_reauthorization,
        }));
    }
    Ok(serde_json::json!({ "app_id": app_id, "store": shown, "accounts": accounts }))
}

/// The stored login's access token (refreshed when due, and stored again),
/// for an operation given no `--access-token`.
pub(crate) async fn stored_access_token(
    settings: &Settings,
    client: &Client,
) -> Result<String, Failure> {
    let account = settings.account.as_str();
    let (store, shown) = open_store(settings).await?;
    let session = UserSession::open(client.clone(), store, account, SessionSettings::new())
        .await
        .map_err(|e| {
            Failure::usage(format!(
                "no usable login `{account}` in {shown} ({e}): run `kdocs auth login`, or pass \
                 --access-token (or set KDOCS_ACCESS_TOKEN)"
            ))
        })?;
    let token = session
        .access_token()
        .await
        .map_err(|e| Failure::from_oauth(&e))?;
    Ok(token.expose_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_http_redirect_is_listened_for() {
        let addr = |u: &str| loopback_addr(&reqwest::Url::parse(u).unwrap());
        assert_eq!(
            addr("http://127.0.0.1:8765/cb"),
            Some(SocketAddr::from(([127, 0, 0, 1], 8765)))
        );
        assert_eq!(
            addr("http://localhost:9000/cb").map(|a| a.port()),
            Some(9000)
        );
        assert!(addr("http://[::1]:9000/cb").is_some());
        assert_eq!(addr("http://127.0.0.1/cb"), None, "no port given");
        assert_eq!(addr("https://127.0.0.1:8765/cb"), None);
        assert_eq!(addr("http://app.example.com:8765/cb"), None);
    }
}
