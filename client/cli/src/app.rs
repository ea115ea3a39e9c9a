//! The command line: the clap [`Command`] built from the generated command
//! table, and what each subcommand does.
//!
//! An operation's subcommand gets one flag per parameter (`file_token` is
//! `--file-token`), required when the parameter is, repeatable when it is a
//! list, a path when it is a file. Values are text; the command runtime
//! ([`crate::args`]) reads them as the parameter's type, so
//! `--count 5`, `--download true` and `--config '{"a":1}'` need no quoting
//! rules of their own. A secret parameter (a token) may come from the
//! environment instead: `KDOCS_` and its name in capitals.
//!
//! The app's credentials and the user's access token are global options
//! rather than flags of each subcommand; an operation that has an `app_id`,
//! `app_key` or `access_token` parameter takes the global value.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{value_parser, Arg, ArgAction, ArgMatches, Command, ValueHint};
use indicatif::{ProgressBar, ProgressStyle};
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::runtime::{Auth, ParamSpec, DEFAULT_BASE_URL};
use kdocs_client::{Client, Config, Credentials, DownloadProgress};

use crate::args::{Args, CommandError};
use crate::demo::{self, DemoTarget};
use crate::operations::{self, OperationCommand};
use crate::shell;

/// An option of every subcommand that an operation's parameter of the same
/// name takes its value from.
struct Global {
    /// The id (and the parameter name).
    id: &'static str,
    /// The environment variable.
    env: &'static str,
    /// Whether the value is a secret: its value never shows in the help.
    secret: bool,
    help: &'static str,
}

const CREDENTIALS: [Global; 3] = [
    Global {
        id: "app_id",
        env: "KDOCS_APP_ID",
        secret: false,
        help: "The app's APPID",
    },
    Global {
        id: "app_key",
        env: "KDOCS_APP_KEY",
        secret: true,
        help: "The app's APPKEY, which signs requests (prefer the variable: a flag shows in the process list)",
    },
    Global {
        id: "access_token",
        env: "KDOCS_ACCESS_TOKEN",
        secret: true,
        help: "A user's access token, for the operations that act as a user",
    },
];

/// The help heading of the options every subcommand takes.
const GLOBAL: &str = "Global options";

/// Why a command did not succeed, and its exit status.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line cannot run (exit status 2, as for clap's own errors).
    Usage(String),
    /// The call, or the work, failed (exit status 1).
    Failed(String),
}

impl Failure {
    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Failed(_) => ExitCode::FAILURE,
        }
    }

    fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::Failed(m) => m,
        }
    }
}

impl From<CommandError> for Failure {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Missing(flag) => {
                let env = CREDENTIALS
                    .iter()
                    .find(|g| flag == format!("--{}", g.id.replace('_', "-")))
                    .map(|g| format!(" (or set {})", g.env))
                    .unwrap_or_default();
                Failure::Usage(format!("`{flag}` is required{env}"))
            }
            CommandError::Call(e) => Failure::Failed(e.to_string()),
            other => Failure::Usage(other.to_string()),
        }
    }
}

/// The whole command line: the hand-written subcommands, then one per
/// operation in spec order.
pub fn command() -> Command {
    let mut command = Command::new("kdocs")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Kingsoft Docs (kdocs) open platform: every endpoint as a subcommand, a fake server, a demo")
        .long_about(
            "Kingsoft Docs (kdocs) open platform: every endpoint as a subcommand, a fake server, a demo.\n\n\
             Answers are JSON on stdout; errors go to stderr, with exit status 1 for a failed call \
             and 2 for a command line that cannot run. Credentials come from KDOCS_APP_ID, \
             KDOCS_APP_KEY and KDOCS_ACCESS_TOKEN, or the options below.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("base_url")
                .long("base-url")
                .value_name("URL")
                .help_heading(GLOBAL)
                .env("KDOCS_BASE_URL")
                .default_value(DEFAULT_BASE_URL)
                .value_hint(ValueHint::Url)
                .global(true)
                .help("The kdocs API's base URL"),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .help_heading(GLOBAL)
                .value_parser(value_parser!(u64).range(1..=86_400))
                .global(true)
                .help("The time limit of each request (default: the client's, 30 s)"),
        )
        .arg(
            Arg::new("compact")
                .long("compact")
                .help_heading(GLOBAL)
                .action(ArgAction::SetTrue)
                .global(true)
                .help("Print answers as one line of JSON instead of indented"),
        );
    for global in &CREDENTIALS {
        command = command.arg(
            Arg::new(global.id)
                .long(global.id.replace('_', "-"))
                .value_name(global.id.to_ascii_uppercase())
                .help_heading(GLOBAL)
                .env(global.env)
                .hide_env_values(global.secret)
                .global(true)
                .help(global.help),
        );
    }
    command
        .args(crate::auth::global_args().map(|arg| arg.help_heading(GLOBAL)))
        .subcommand(crate::auth::command())
        .subcommand(download_command())
        .subcommand(fake_command())
        .subcommand(Command::new("demo").about(
            "Call the API step by step: OAuth, upload, preview, edit URL, download \
                 (an in-process fake unless KDOCS_BASE_URL or --base-url names a server)",
        ))
        .subcommands(operations::all().iter().map(operation_command))
}

fn is_global(name: &str) -> bool {
    CREDENTIALS.iter().any(|g| g.id == name)
}

/// One operation's subcommand.
fn operation_command(operation: &OperationCommand) -> Command {
    let spec = operation.spec;
    // The operation's documentation already names its method and path.
    let long_about = format!(
        "{}\n\nCredentials: {}",
        if spec.docs.is_empty() {
            spec.summary
        } else {
            spec.docs
        },
        auth_text(spec.auth)
    );
    Command::new(operation.subcommand())
        .about(spec.summary)
        .long_about(long_about)
        .args(
            spec.params
                .iter()
                .filter(|p| !is_global(p.name))
                .map(argument),
        )
}

fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Wps2 => "the app's WPS-2 signature (KDOCS_APP_ID, KDOCS_APP_KEY)",
        Auth::AccessToken => "a user's access token (KDOCS_ACCESS_TOKEN)",
        Auth::Wps2AndAccessToken => {
            "the app's WPS-2 signature and a user's access token (KDOCS_APP_ID, KDOCS_APP_KEY, KDOCS_ACCESS_TOKEN)"
        }
        Auth::None => "none (the app's credentials travel as parameters)",
    }
}

/// One parameter's flag.
fn argument(spec: &ParamSpec) -> Arg {
    let mut arg = Arg::new(spec.name)
        .long(spec.name.replace('_', "-"))
        .value_name(spec.name.to_ascii_uppercase())
        .help(spec.help)
        .required(spec.required);
    if spec.list {
        arg = arg
            .action(ArgAction::Append)
            .help(format!("{} (repeat for more)", spec.help));
    }
    if spec.file {
        arg = arg.value_name("PATH").value_hint(ValueHint::FilePath);
    }
    if spec.secret {
        arg = arg
            .env(format!("KDOCS_{}", spec.name.to_ascii_uppercase()))
            .hide_env_values(true);
    }
    arg
}

fn download_command() -> Command {
    Command::new("download")
        .about("Download an app document, streamed and verified, to a file or stdout")
        .long_about(
            "Download an app document (get_download_url, then its URL), streamed and verified \
             against the API's checksum when it gives one. A file is replaced only once the \
             content is complete; with `--output -` the content goes to stdout and the report \
             to stderr. A progress bar is drawn on stderr when it is a terminal.",
        )
        .arg(
            Arg::new("file_token")
                .long("file-token")
                .value_name("FILE_TOKEN")
                .required(true)
                .help("The app document's file_token"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("PATH")
                .value_hint(ValueHint::FilePath)
                .required(true)
                .help("The file to write, or `-` for stdout"),
        )
        .arg(
            Arg::new("max_bytes")
                .long("max-bytes")
                .value_name("BYTES")
                .value_parser(value_parser!(u64))
                .help("The largest content accepted (default 2 GiB)"),
        )
        .arg(
            Arg::new("require_checksum")
                .long("require-checksum")
                .action(ArgAction::SetTrue)
                .help("Fail when the API gives no checksum to verify against"),
        )
        .arg(
            Arg::new("no_progress")
                .long("no-progress")
                .action(ArgAction::SetTrue)
                .help("No progress bar, even on a terminal"),
        )
}

fn fake_command() -> Command {
    Command::new("fake")
        .about("Serve a stateful fake kdocs on a loopback address until stopped")
        .long_about(
            "Serve a stateful fake kdocs on a loopback address until stopped (Ctrl-C), and print \
             the values a client needs (base URL, app id and key, a user access token, an \
             anonymous token good for one demo run) as one JSON line, or with --export as shell \
             lines:\n\n    kdocs fake --export > kdocs.env &\n    . ./kdocs.env\n    kdocs get-user-info",
        )
        .arg(
            Arg::new("addr")
                .long("addr")
                .value_name("ADDR")
                .default_value("127.0.0.1:8470")
                .value_parser(value_parser!(SocketAddr))
                .help("Address to listen on (a loopback address; port 0 picks a free one)"),
        )
        .arg(
            Arg::new("export")
                .long("export")
                .action(ArgAction::SetTrue)
                .help("Print the values as `export KDOCS_…='…'` lines for a POSIX shell"),
        )
}

/// Parses `args` (the program name first) and runs the command; the exit
/// status to end the process with.
pub async fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            // Help and version go to stdout with status 0, errors to stderr.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    run_matches(&matches, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// [`run`], with what the command prints on stdout written to `out` and
/// what it prints on stderr to `err`, for a program (or a test) that runs
/// `kdocs` in its own process. The content of `kdocs download --output -`
/// still goes to stdout, and clap's help and errors are written without
/// colours.
pub async fn run_with<I, T>(args: I, out: &mut impl Write, err: &mut impl Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let to = if e.use_stderr() {
                &mut *err as &mut dyn Write
            } else {
                out
            };
            let _ = write!(to, "{}", e.render());
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    run_matches(&matches, out, err).await
}

async fn run_matches(matches: &ArgMatches, out: &mut impl Write, err: &mut impl Write) -> ExitCode {
    let Some((name, sub)) = matches.subcommand() else {
        return ExitCode::from(2);
    };
    let result = match name {
        "demo" => run_demo(sub, out).await,
        "fake" => run_fake(sub, out).await,
        "download" => run_download(sub, out).await,
        "auth" => run_auth(sub, out, err).await,
        _ => run_operation(name, sub, out).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(err, "error: {}", failure.message());
            failure.exit_code()
        }
    }
}

pub(crate) fn text<'a>(matches: &'a ArgMatches, id: &str) -> Option<&'a str> {
    matches
        .try_get_one::<String>(id)
        .ok()
        .flatten()
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// A client for `matches`' global options; `signed` when the call needs the
/// app key.
fn client(matches: &ArgMatches, signed: bool) -> Result<Client, Failure> {
    let app_id = text(matches, "app_id").ok_or_else(|| {
        Failure::Usage("no app id: set KDOCS_APP_ID (or pass --app-id)".to_owned())
    })?;
    let app_key = text(matches, "app_key").unwrap_or_default();
    if signed && app_key.is_empty() {
        return Err(Failure::Usage(
            "this call is signed with the app's key: set KDOCS_APP_KEY (or pass --app-key)"
                .to_owned(),
        ));
    }
    let mut config = Config::new().with_base_url(text(matches, "base_url").unwrap_or_default());
    if let Some(secs) = matches.get_one::<u64>("timeout") {
        config = config.with_timeout(Duration::from_secs(*secs));
    }
    Client::new(Credentials::new(app_id, app_key), config)
        .map_err(|e| Failure::Usage(e.to_string()))
}

/// Prints an answer as JSON on stdout (a closed pipe is not an error).
fn print_json(matches: &ArgMatches, value: &serde_json::Value, out: &mut impl Write) {
    let text = if matches.get_flag("compact") {
        value.to_string()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    };
    let _ = writeln!(out, "{text}");
}

async fn run_operation(
    subcommand: &str,
    matches: &ArgMatches,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let operation = operations::find(subcommand)
        .ok_or_else(|| Failure::Usage(format!("no command `{subcommand}`")))?;
    let mut args = Args::new();
    for param in operation.spec.params {
        if let Some(values) = matches.get_many::<String>(param.name) {
            for value in values {
                args.push(param.name, value.as_str());
            }
        }
    }
    let client = client(matches, operation.spec.auth.signed())?;
    let wants_user = operation
        .spec
        .params
        .iter()
        .any(|p| p.name == "access_token");
    if wants_user && text(matches, "access_token").is_none() {
        // No token given: the stored login's, refreshed when due.
        let token = crate::auth::stored_access_token(matches, &client).await?;
        args.push("access_token", &token);
    }
    let answer = operation.run(&client, &mut args).await?;
    print_json(matches, &answer, out);
    Ok(())
}

async fn run_auth(
    matches: &ArgMatches,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), Failure> {
    // The exchange sends the app key; status and logout need only the id.
    let login = matches!(matches.subcommand(), Some(("login", _)));
    let client = client(matches, login)?;
    let answer = crate::auth::run(matches, client, out, err).await?;
    print_json(matches, &answer, out);
    Ok(())
}

/// A usable `-o`: not blank, and not an existing path that is not a regular
/// file (a folder, a device, a FIFO), which a download must never replace.
fn check_output(output: &str) -> Result<(), Failure> {
    if output.trim().is_empty() {
        return Err(Failure::Usage(
            "`-o` is blank: give a file path, or `-` for standard output".to_owned(),
        ));
    }
    if output == "-" {
        return Ok(());
    }
    match std::fs::symlink_metadata(output) {
        Ok(meta) if !meta.file_type().is_file() => Err(Failure::Usage(format!(
            "`-o {output}` exists and is not a regular file: it is not replaced"
        ))),
        _ => Ok(()),
    }
}

async fn run_download(matches: &ArgMatches, out: &mut impl Write) -> Result<(), Failure> {
    let file_token = text(matches, "file_token").unwrap_or_default();
    // Read as given (not through `text`, which takes a blank value for none):
    // a blank `-o` is a mistake to report, not standard output.
    let output = matches
        .try_get_one::<String>("output")
        .ok()
        .flatten()
        .map_or("-", String::as_str);
    check_output(output)?;
    let client = client(matches, true)?;
    let mut limits = *client.config().download_limits();
    if let Some(max) = matches.get_one::<u64>("max_bytes") {
        limits = limits.with_max_bytes(*max);
    }
    let bar = if std::io::stderr().is_terminal() && !matches.get_flag("no_progress") {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    let progress = bar.clone();
    let download = client
        .download(file_token)
        .limits(limits)
        .require_checksum(matches.get_flag("require_checksum"))
        .on_progress(move |p: DownloadProgress| show_progress(&progress, p));
    let result = if output == "-" {
        download.to_writer(&mut tokio::io::stdout()).await
    } else {
        download.to_file(output).await
    };
    bar.finish_and_clear();
    let report = result.map_err(|e| Failure::Failed(e.to_string()))?;
    let summary = serde_json::json!({
        "file": output,
        "bytes": report.bytes,
        "md5": report.md5,
        "sha1": report.sha1,
        "verified": report.verified,
        "completeness": report.completeness.to_string(),
        "elapsed_ms": report.elapsed.as_millis() as u64,
    });
    if output == "-" {
        let _ = writeln!(std::io::stderr(), "{summary}");
    } else {
        print_json(matches, &summary, out);
    }
    Ok(())
}

/// The bar's length once the size is known, and its position.
fn show_progress(bar: &ProgressBar, progress: DownloadProgress) {
    if progress.received == 0 {
        match progress.total {
            Some(total) => {
                bar.set_length(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
            }
            None => bar.set_style(
                ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        }
    }
    bar.set_position(progress.received);
}

async fn run_fake(matches: &ArgMatches, out: &mut impl Write) -> Result<(), Failure> {
    let addr = *matches
        .get_one::<SocketAddr>("addr")
        .ok_or_else(|| Failure::Usage("no --addr".to_owned()))?;
    let fake = FakeKdocs::start(FakeConfig::default().with_addr(addr))
        .await
        .map_err(|e| Failure::Failed(format!("cannot start the fake kdocs on {addr}: {e}")))?;
    let target = DemoTarget::seed_fake(&fake);
    let text = if matches.get_flag("export") {
        target
            .env()
            .into_iter()
            .map(|(name, value)| shell::export_line(name, value) + "\n")
            .collect()
    } else {
        target.to_json_line() + "\n"
    };
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    eprintln!(
        "fake kdocs serving on {}; the anonymous token is good for one demo run; \
         press Ctrl-C to stop",
        fake.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Failed(format!("cannot wait for Ctrl-C: {e}")))?;
    fake.shutdown().await;
    Ok(())
}

async fn run_demo(matches: &ArgMatches, out: &mut impl Write) -> Result<(), Failure> {
    // The global options (flags or KDOCS_* variables) as the demo's
    // variables; the base URL only when given, not clap's default.
    let base_url_given = !matches!(
        matches.value_source("base_url"),
        None | Some(ValueSource::DefaultValue)
    );
    let lookup = |name: &str| -> Option<String> {
        let value = match name {
            "KDOCS_BASE_URL" if base_url_given => text(matches, "base_url"),
            "KDOCS_BASE_URL" => None,
            "KDOCS_APP_ID" => text(matches, "app_id"),
            "KDOCS_APP_KEY" => text(matches, "app_key"),
            "KDOCS_ACCESS_TOKEN" => text(matches, "access_token"),
            other => return std::env::var(other).ok(),
        };
        value.map(str::to_owned)
    };
    let target = DemoTarget::from_lookup(lookup).map_err(Failure::Usage)?;
    let report = match target {
        Some(target) => demo::run(&target, out).await,
        None => demo::run_in_process(out).await,
    }
    .map_err(|e| Failure::Failed(format!("demo output failed: {e}")))?;
    if report.ok() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{} of {} steps failed",
            report.failed,
            report.passed + report.failed
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        // clap's own checks: unique names and flags, valid defaults.
        command().debug_assert();
    }

    #[test]
    fn every_operation_is_a_subcommand_with_its_flags() {
        let command = command();
        assert_eq!(
            command.get_subcommands().count(),
            operations::all().len() + 4,
            "auth, download, fake, demo and one per operation"
        );
        for operation in operations::all() {
            let name = operation.spec.name;
            let sub = command
                .find_subcommand(operation.subcommand())
                .unwrap_or_else(|| panic!("no subcommand for {name}"));
            for param in operation.spec.params {
                let flag = param.name.replace('_', "-");
                let found = sub.get_arguments().any(|a| a.get_long() == Some(&flag))
                    || command.get_arguments().any(|a| a.get_long() == Some(&flag));
                assert!(found, "{name}: no --{flag}");
            }
        }
    }

    #[test]
    fn the_output_is_a_file_or_standard_output() {
        assert!(check_output("-").is_ok());
        assert!(check_output("new-file.docx").is_ok());
        for blank in ["", "  "] {
            let failure = check_output(blank).unwrap_err();
            assert!(matches!(failure, Failure::Usage(_)), "{failure:?}");
            assert_eq!(failure.exit_code(), ExitCode::from(2));
        }
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap();
        let failure = check_output(folder).unwrap_err();
        assert!(
            failure.message().contains("not a regular file"),
            "{failure:?}"
        );
        let file = dir.path().join("existing.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(check_output(file.to_str().unwrap()).is_ok());
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(
                check_output(link.to_str().unwrap()).is_err(),
                "a symlink is not replaced"
            );
        }
        assert!(check_output("/dev/null").is_err());
    }

    #[test]
    fn missing_credentials_name_their_variable() {
        let failure = Failure::from(CommandError::Missing("--access-token".into()));
        assert_eq!(
            failure.message(),
            "`--access-token` is required (or set KDOCS_ACCESS_TOKEN)"
        );
        assert!(matches!(failure, Failure::Usage(_)));
    }
}
