//! The command line: the clap [`Command`] built from the operations'
//! descriptors, and what each subcommand does.
//!
//! The operations' subcommands, grouped by family, are built in the
//! `families` module; the global options and the settings they resolve to
//! (flags, `KDOCS_*` variables, the config file's profile) in `settings`;
//! how answers and errors are printed in `output` and `failure`.

use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};
use futures_util::StreamExt;
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_client::{Client, Config, Credentials};

use crate::args::Args;
use crate::demo::{self, DemoTarget};
use crate::failure::{self, ErrorFormat, Failure};
use crate::families;
use crate::operations::OperationCommand;
use crate::output::Printer;
use crate::settings::{self, Chain, Options, Settings};
use crate::shell;

/// The top-level help's long text: what the command does, its exit statuses.
const LONG_ABOUT: &str = "Kingsoft Docs (kdocs) open platform: every endpoint as a \
subcommand, grouped by family (`kdocs appspace get-appspace-file-info …`; each operation is \
also `kdocs get-appspace-file-info …`), a fake server, a demo.

Answers are JSON on stdout; errors go to stderr (one JSON object with --error-format json). \
Credentials come from the options below, then from KDOCS_APP_ID, KDOCS_APP_KEY and \
KDOCS_ACCESS_TOKEN, then from the profile of the config file (config.toml in \
$KDOCS_CONFIG_DIR, $XDG_CONFIG_HOME/kdocs or ~/.config/kdocs: [default], or [profile.NAME] \
with --profile NAME). Global options go before or after the command.

Exit status:
  0  the command succeeded
  1  the call failed otherwise (the service refused it, a download or a token store failed)
  2  the command line cannot run (a missing or bad flag, missing credentials, a bad config file)
  3  the service refused the credentials, the token or the signature (auth)
  4  what the call names does not exist (not found)
  5  no answer: the connection failed or a time limit elapsed (network, timeout)";

/// The whole command line: the hand-written subcommands, then the families
/// and the operations.
pub fn command() -> Command {
    command_with(true)
}

/// The command line, with or without each operation's hidden top-level
/// alias: the completion scripts and the man page show each operation once,
/// in its family.
pub(crate) fn command_with(aliases: bool) -> Command {
    let root = Command::new("kdocs")
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Kingsoft Docs (kdocs) open platform: every endpoint as a subcommand, by family; \
             a fake server, a demo",
        )
        .long_about(LONG_ABOUT)
        .override_usage(
            "kdocs [OPTIONS] <FAMILY> <OPERATION> [FLAGS]\n       \
             kdocs [OPTIONS] <COMMAND> [FLAGS]",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help_heading(settings::GLOBAL)
                .help("With a list that pages: fetch every page, one JSON line per item"),
        );
    settings::with_options(root, Options::CallAndPrint)
        .subcommand(crate::auth::command())
        .subcommand(crate::download::command())
        .subcommand(fake_command())
        .subcommand(settings::with_options(
            Command::new("demo").about(
                "Call the API step by step: OAuth, upload, preview, edit URL, download \
                 (an in-process fake unless KDOCS_BASE_URL or --base-url names a server)",
            ),
            Options::Call,
        ))
        .subcommand(crate::completions::completions_command())
        .subcommand(crate::completions::man_command())
        .subcommands(families::commands(aliases))
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
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let format = ErrorFormat::scan(&args);
    let matches = match command().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) if format == ErrorFormat::Json && e.use_stderr() => {
            return usage_error(&e, format, &mut std::io::stderr());
        }
        Err(e) => {
            // Help and version go to stdout with status 0, errors to stderr.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    run_matches(
        &matches,
        format,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await
}

/// [`run`], with what the command prints on stdout written to `out` and
/// what it prints on stderr to `err`, for a program (or a test) that runs
/// `kdocs` in its own process. The content of `kdocs download --output -`
/// still goes to stdout, and clap's help and errors are written without
/// colours.
pub async fn run_with<I, T>(args: I, out: &mut impl Write, err: &mut impl Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let format = ErrorFormat::scan(&args);
    let matches = match command().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) if format == ErrorFormat::Json && e.use_stderr() => {
            return usage_error(&e, format, err);
        }
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
    run_matches(&matches, format, out, err).await
}

/// A command line clap refused, reported as `format` says.
fn usage_error(error: &clap::Error, format: ErrorFormat, err: &mut impl Write) -> ExitCode {
    let failure = failure::from_clap(error);
    format.write(&failure, err);
    failure.exit_code()
}

async fn run_matches(
    matches: &ArgMatches,
    format: ErrorFormat,
    out: &mut impl Write,
    err: &mut impl Write,
) -> ExitCode {
    match dispatch(matches, out, err).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            format.write(&failure, err);
            failure.exit_code()
        }
    }
}

async fn dispatch(
    root: &ArgMatches,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), Failure> {
    let Some((name, sub)) = root.subcommand() else {
        return Err(Failure::usage("no command: see kdocs --help"));
    };
    let chain = Chain::new(&[root, sub]);
    match name {
        "fake" | "completions" | "man" => {
            chain.refuse_root_options(name)?;
            match name {
                "fake" => run_fake(sub, out).await,
                "completions" => crate::completions::run_completions(sub, out),
                _ => crate::completions::run_man(out),
            }
        }
        "demo" => run_demo(&chain, out).await,
        "download" => crate::download::run(&chain, out).await,
        "auth" => run_auth(root, sub, out, err).await,
        _ => {
            let (operation, nested) = families::find(name, sub)
                .ok_or_else(|| Failure::usage(format!("no command `{name}`")))?;
            let chain = match nested {
                Some(leaf) => Chain::new(&[root, sub, leaf]),
                None => chain,
            };
            run_operation(operation, &chain, out).await
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

/// The settings of a command that calls the API, after checking that the
/// options given before it are its own, with its logging installed.
pub(crate) fn prepare(chain: &Chain<'_>, command: &str) -> Result<Settings, Failure> {
    chain.refuse_root_options(command)?;
    let settings = Settings::resolve(chain)?;
    crate::logging::init(chain.count("verbose"), &settings.secrets())?;
    Ok(settings)
}

/// A client for `settings`; `signed` when the call needs the app key.
pub(crate) fn client(settings: &Settings, signed: bool) -> Result<Client, Failure> {
    let app_id = settings.app_id.as_deref().ok_or_else(|| {
        Failure::usage("no app id: set KDOCS_APP_ID (or pass --app-id, or use a profile)")
    })?;
    let app_key = settings.app_key.as_deref().unwrap_or_default();
    if signed && app_key.is_empty() {
        return Err(Failure::usage(
            "this call is signed with the app's key: set KDOCS_APP_KEY (or pass --app-key, or \
             use a profile)",
        ));
    }
    let mut config = Config::new().with_base_url(settings.base_url.as_str());
    if let Some(secs) = settings.timeout {
        config = config.with_timeout(Duration::from_secs(secs));
    }
    Client::new(Credentials::new(app_id, app_key), config).map_err(|e| Failure::from_call(&e))
}

/// The operation's arguments: its flags' values, and the global options'
/// for the parameters that take them.
fn operation_args(operation: &OperationCommand, matches: &ArgMatches, settings: &Settings) -> Args {
    let mut args = Args::new();
    for param in operation.spec.params {
        let global = match param.name {
            "app_id" => settings.app_id.as_deref(),
            "app_key" => settings.app_key.as_deref(),
            "access_token" => settings.access_token.as_deref(),
            _ => None,
        };
        if let Some(value) = global {
            args.push(param.name, value);
        } else if let Some(values) = matches.try_get_many::<String>(param.name).ok().flatten() {
            for value in values {
                args.push(param.name, value.as_str());
            }
        }
    }
    args
}

async fn run_operation(
    operation: &OperationCommand,
    chain: &Chain<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let printer = Printer::from_chain(chain)?;
    let paginate = chain.flag("paginate");
    let settings = prepare(chain, &operation.subcommand())?;
    let matches = chain.leaf();
    let mut args = operation_args(operation, matches, &settings);
    let client = client(&settings, operation.spec.auth.signed())?;
    let wants_user = operation
        .spec
        .params
        .iter()
        .any(|p| p.name == "access_token");
    if wants_user && settings.access_token.is_none() {
        // No token given: the stored login's, refreshed when due.
        let token = crate::auth::stored_access_token(&settings, &client).await?;
        crate::logging::keep_secret(&token);
        args.push("access_token", &token);
    }
    // Only an operation with a file parameter has --no-progress.
    let no_progress = matches.try_get_one::<bool>("no_progress").ok().flatten();
    let bar = crate::progress::UploadBar::new(no_progress == Some(&false));
    args.on_upload_progress(bar.reporter());
    if paginate {
        return walk(operation, &client, &mut args, &printer.one_line(), out).await;
    }
    let answer = operation.run(&client, &mut args).await;
    bar.finish();
    let answer = answer?;
    if chain.flag("wait") {
        return crate::progress::wait_for_task(&client, &answer, &printer, out).await;
    }
    printer.print(&answer, out)
}

/// Prints every item of every page (at most the runtime's
/// `DEFAULT_MAX_PAGES` pages: more ends the walk with an error).
async fn walk(
    operation: &OperationCommand,
    client: &Client,
    args: &mut Args,
    printer: &Printer,
    out: &mut impl Write,
) -> Result<(), Failure> {
    // Only a list that pages has --paginate.
    let Some(mut items) = operation.pages(client, args) else {
        return Err(Failure::usage(format!(
            "`--paginate`: `{}` does not page",
            operation.subcommand()
        )));
    };
    while let Some(item) = items.next().await {
        printer.print(&item?, out)?;
    }
    Ok(())
}

async fn run_auth(
    root: &ArgMatches,
    auth: &ArgMatches,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), Failure> {
    let Some((name, leaf)) = auth.subcommand() else {
        return Err(Failure::usage("kdocs auth: login, status or logout"));
    };
    let chain = Chain::new(&[root, auth, leaf]);
    let printer = Printer::from_chain(&chain)?;
    let settings = prepare(&chain, &format!("auth {name}"))?;
    // The exchange sends the app key; status and logout need only the id.
    let client = client(&settings, name == "login")?;
    let answer = crate::auth::run(name, leaf, &settings, client, err).await?;
    printer.print(&answer, out)
}

async fn run_fake(matches: &ArgMatches, out: &mut impl Write) -> Result<(), Failure> {
    let addr = *matches
        .get_one::<SocketAddr>("addr")
        .ok_or_else(|| Failure::usage("no --addr"))?;
    let fake = FakeKdocs::start(FakeConfig::default().with_addr(addr))
        .await
        .map_err(|e| Failure::io(format!("cannot start the fake kdocs on {addr}: {e}")))?;
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
        .map_err(|e| Failure::io(format!("cannot wait for Ctrl-C: {e}")))?;
    fake.shutdown().await;
    Ok(())
}

async fn run_demo(chain: &Chain<'_>, out: &mut impl Write) -> Result<(), Failure> {
    let settings = prepare(chain, "demo")?;
    // The settings as the demo's variables; the base URL only when given,
    // not the default.
    let lookup = |name: &str| -> Option<String> {
        match name {
            "KDOCS_BASE_URL" if settings.base_url_given => Some(settings.base_url.clone()),
            "KDOCS_BASE_URL" => None,
            "KDOCS_APP_ID" => settings.app_id.clone(),
            "KDOCS_APP_KEY" => settings.app_key.clone(),
            "KDOCS_ACCESS_TOKEN" => settings.access_token.clone(),
            other => std::env::var(other).ok(),
        }
    };
    let target = DemoTarget::from_lookup(lookup).map_err(Failure::usage)?;
    let report = match target {
        Some(target) => demo::run(&target, out).await,
        None => demo::run_in_process(out).await,
    }
    .map_err(|e| Failure::io(format!("demo output failed: {e}")))?;
    if report.ok() {
        Ok(())
    } else {
        Err(Failure::api(format!(
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
        for operation in crate::operations::all() {
            let name = operation.spec.name;
            let family = command
                .find_subcommand(operation.spec.family.unwrap())
                .unwrap();
            for sub in [
                command.find_subcommand(operation.subcommand()),
                family.find_subcommand(operation.subcommand()),
            ] {
                let sub = sub.unwrap_or_else(|| panic!("no subcommand for {name}"));
                for param in operation.spec.params {
                    let flag = param.name.replace('_', "-");
                    assert!(
                        sub.get_arguments().any(|a| a.get_long() == Some(&flag)),
                        "{name}: no --{flag}"
                    );
                }
            }
        }
    }

    #[test]
    fn missing_credentials_name_their_variable() {
        let failure = Failure::from(crate::args::CommandError::Missing("--access-token".into()));
        assert_eq!(
            failure.message(),
            "`--access-token` is required (or set KDOCS_ACCESS_TOKEN)"
        );
        assert_eq!(failure.exit_code(), ExitCode::from(2));
    }

    #[test]
    fn a_global_option_before_a_command_that_takes_none_is_refused() {
        let matches = command()
            .try_get_matches_from(["kdocs", "--jq", ".", "completions", "bash"])
            .unwrap();
        let (_, sub) = matches.subcommand().unwrap();
        let failure = Chain::new(&[&matches, sub])
            .refuse_root_options("completions")
            .unwrap_err();
        assert_eq!(
            failure.message(),
            "`--jq` does nothing for `kdocs completions`"
        );
    }
}
