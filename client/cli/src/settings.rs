//! The global options, and the settings they resolve to.
//!
//! The options that say where and as whom to call (`--base-url`,
//! `--app-id`, `--app-key`, `--access-token`, `--profile`, `--store`,
//! `--account`, `--timeout`) and how to print (`--compact`, `--jq`,
//! `--raw-output`, `-v`, `--error-format`) may come before the command
//! (`kdocs --profile p appspace …`) or after it (`kdocs appspace … --profile
//! p`). They are options of the top-level command and of each command that
//! uses them, not clap's global options, so `kdocs fake --help` shows none,
//! and a usage line lists only what the command needs.
//!
//! A setting comes from the command line, then from its `KDOCS_*` variable,
//! then from the profile of the config file ([`crate::config`]), then from
//! its default. The variables are read here rather than by clap, so that the
//! profile can come between them and the defaults, and so that a usage line
//! never lists a variable's value as a flag that was given.

use clap::parser::ValueSource;
use clap::{value_parser, Arg, ArgAction, ArgMatches, Command, ValueHint};
use kdocs_client::runtime::DEFAULT_BASE_URL;

use crate::config::{self, Profile};
use crate::failure::Failure;

/// The help heading of the global options.
pub(crate) const GLOBAL: &str = "Global options";

/// Which global options a command takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Options {
    /// Where and as whom to call, and how to log and report errors.
    Call,
    /// Those, and how to print the answer (`--compact`, `--jq`, `-r`).
    CallAndPrint,
}

/// An option that says where or as whom to call.
struct CallOption {
    /// The id (a parameter of the same name takes its value).
    id: &'static str,
    /// Its variable.
    env: &'static str,
    /// Whether a profile may set it.
    in_profile: bool,
    value_name: &'static str,
    hint: ValueHint,
    help: &'static str,
}

const CALL: [CallOption; 7] = [
    CallOption {
        id: "base_url",
        env: "KDOCS_BASE_URL",
        in_profile: true,
        value_name: "URL",
        hint: ValueHint::Url,
        help: "The kdocs API's base URL [default: https://developer.kdocs.cn]",
    },
    CallOption {
        id: "app_id",
        env: "KDOCS_APP_ID",
        in_profile: true,
        value_name: "APP_ID",
        hint: ValueHint::Other,
        help: "The app's APPID",
    },
    CallOption {
        id: "app_key",
        env: "KDOCS_APP_KEY",
        in_profile: true,
        value_name: "APP_KEY",
        hint: ValueHint::Other,
        help: "The app's APPKEY, which signs requests (prefer the variable or a 0600 config \
               file: a flag shows in the process list)",
    },
    CallOption {
        id: "access_token",
        env: "KDOCS_ACCESS_TOKEN",
        in_profile: false,
        value_name: "ACCESS_TOKEN",
        hint: ValueHint::Other,
        help: "A user's access token, for the operations that act as a user (default: the \
               stored login's)",
    },
    CallOption {
        id: "profile",
        env: "KDOCS_PROFILE",
        in_profile: false,
        value_name: "NAME",
        hint: ValueHint::Other,
        help: "The profile of the config file to use (default: [default])",
    },
    CallOption {
        id: "store",
        env: "KDOCS_TOKEN_STORE",
        in_profile: true,
        value_name: "PATH|URL",
        hint: ValueHint::AnyPath,
        help: "Where `kdocs auth login` keeps user tokens: an SQLite file, or a redis:// or \
               rediss:// URL (default: tokens.sqlite in the kdocs config folder)",
    },
    CallOption {
        id: "account",
        env: "KDOCS_ACCOUNT",
        in_profile: true,
        value_name: "NAME",
        hint: ValueHint::Other,
        help: "Which stored login to use (default: `default`)",
    },
];

/// The variable of a credential's flag (`--app-key` → `KDOCS_APP_KEY`).
pub(crate) fn credential_env(flag: &str) -> Option<&'static str> {
    CALL.iter()
        .find(|o| flag == format!("--{}", o.id.replace('_', "-")))
        .map(|o| o.env)
}

/// An option's flag, its help naming its variable and its profile key.
fn call_arg(option: &CallOption) -> Arg {
    let mut help = format!("{} [env: {}]", option.help, option.env);
    if option.in_profile {
        help.push_str(&format!(" [profile: {}]", option.id));
    }
    Arg::new(option.id)
        .long(option.id.replace('_', "-"))
        .value_name(option.value_name)
        .value_hint(option.hint)
        .help(help)
}

/// The global options of `options`.
pub(crate) fn args(options: Options) -> Vec<Arg> {
    let mut args: Vec<Arg> = CALL.iter().map(call_arg).collect();
    args.push(
        Arg::new("timeout")
            .long("timeout")
            .value_name("SECONDS")
            .value_parser(value_parser!(u64).range(1..=86_400))
            .help("The time limit of each request (default: the client's, 30 s)"),
    );
    args.push(
        Arg::new("verbose")
            .short('v')
            .long("verbose")
            .action(ArgAction::Count)
            .help("Log the calls on stderr (-v: each call; -vv: also the HTTP client's own logs); RUST_LOG=target=level,… chooses instead, secrets scrubbed either way"),
    );
    args.push(
        Arg::new("error_format")
            .long("error-format")
            .value_name("FORMAT")
            .value_parser(["text", "json"])
            .help("How errors are written on stderr: a line of text, or one JSON object {\"error\": {kind, message, code, status, operation}}"),
    );
    if options == Options::CallAndPrint {
        args.extend(crate::output::args());
    }
    args.into_iter()
        .map(|arg| arg.help_heading(GLOBAL))
        .collect()
}

/// Adds the global options of `options` to `command`.
pub(crate) fn with_options(command: Command, options: Options) -> Command {
    command.args(args(options))
}

/// The matches of a command line, from the top-level command to the
/// subcommand that runs: the global options are looked up in all of them.
#[derive(Clone, Copy, Debug)]
pub struct Chain<'a> {
    levels: [Option<&'a ArgMatches>; 3],
}

impl<'a> Chain<'a> {
    /// The top-level matches, then each subcommand's.
    pub(crate) fn new(levels: &[&'a ArgMatches]) -> Self {
        let mut chain = Chain { levels: [None; 3] };
        for (slot, level) in chain.levels.iter_mut().zip(levels) {
            *slot = Some(level);
        }
        chain
    }

    fn all(&self) -> impl Iterator<Item = &'a ArgMatches> + '_ {
        self.levels.iter().rev().flatten().copied()
    }

    /// The matches of the subcommand that runs.
    pub(crate) fn leaf(&self) -> &'a ArgMatches {
        self.all()
            .next()
            .expect("a chain has its top-level matches")
    }

    /// The value of `id` given on the command line (after the command
    /// first, then before it).
    pub(crate) fn given(&self, id: &str) -> Option<&'a str> {
        self.all()
            .filter(|m| on_command_line(m, id))
            .find_map(|m| m.try_get_one::<String>(id).ok().flatten())
            .map(String::as_str)
    }

    /// A typed value of `id` from the command line.
    pub(crate) fn one<T: Clone + Send + Sync + 'static>(&self, id: &str) -> Option<T> {
        self.all()
            .filter(|m| on_command_line(m, id))
            .find_map(|m| m.try_get_one::<T>(id).ok().flatten().cloned())
    }

    /// Whether the flag `id` is set at any level.
    pub(crate) fn flag(&self, id: &str) -> bool {
        self.all()
            .any(|m| m.try_get_one::<bool>(id).ok().flatten() == Some(&true))
    }

    /// How often the counted flag `id` is given, over all levels.
    pub(crate) fn count(&self, id: &str) -> u8 {
        self.all()
            .filter_map(|m| m.try_get_one::<u8>(id).ok().flatten().copied())
            .fold(0, u8::saturating_add)
    }

    /// Refuses an option given before the command (`kdocs --jq . fake`) that
    /// the command does not take, rather than ignoring it.
    pub(crate) fn refuse_root_options(&self, command: &str) -> Result<(), Failure> {
        let root = self.levels[0].expect("a chain has its top-level matches");
        let leaf = self.leaf();
        if std::ptr::eq(root, leaf) {
            return Ok(());
        }
        let unknown = root.ids().find(|id| {
            on_command_line(root, id.as_str()) && leaf.try_get_raw(id.as_str()).is_err()
        });
        match unknown {
            Some(id) => Err(Failure::usage(format!(
                "`--{}` does nothing for `kdocs {command}`",
                id.as_str().replace('_', "-")
            ))),
            None => Ok(()),
        }
    }
}

/// Whether `matches` has a value of `id` from the command line (`false`
/// when its command has no such option, as a family's command has none).
fn on_command_line(matches: &ArgMatches, id: &str) -> bool {
    matches.try_get_raw(id).is_ok() && matches.value_source(id) == Some(ValueSource::CommandLine)
}

/// Where and as whom to call: the global options resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// The kdocs API's base URL.
    pub base_url: String,
    /// Whether the base URL was given (by a flag, a variable or a profile)
    /// rather than the default.
    pub base_url_given: bool,
    /// The app's APPID.
    pub app_id: Option<String>,
    /// The app's APPKEY.
    pub app_key: Option<String>,
    /// A user's access token.
    pub access_token: Option<String>,
    /// Which stored login to use.
    pub account: String,
    /// Where logins are kept, when not the default file.
    pub store: Option<String>,
    /// The time limit of each request, in seconds.
    pub timeout: Option<u64>,
    /// The profile used, when one was named.
    pub profile: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |secret: &Option<String>| secret.as_ref().map(|_| "***");
        f.debug_struct("Settings")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("app_key", &shown(&self.app_key))
            .field("access_token", &shown(&self.access_token))
            .field("account", &self.account)
            .field("store", &self.store)
            .field("timeout", &self.timeout)
            .field("profile", &self.profile)
            .finish()
    }
}

impl Settings {
    /// The settings of `chain`, with the process's environment.
    pub fn resolve(chain: &Chain<'_>) -> Result<Self, Failure> {
        Self::resolve_with(chain, &|name| std::env::var(name).ok())
    }

    /// The settings of `chain`, with the environment `env` (a test's).
    pub fn resolve_with(
        chain: &Chain<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let flag = |id: &str| chain.given(id).filter(|v| !v.trim().is_empty());
        let profile_name = flag("profile")
            .map(str::to_owned)
            .or_else(|| env("KDOCS_PROFILE"));
        let profile = load_profile(profile_name.as_deref(), &env)?;
        let pick = |id: &str, var: &str, from_profile: &Option<String>| {
            flag(id)
                .map(str::to_owned)
                .or_else(|| env(var))
                .or_else(|| from_profile.clone().filter(|v| !v.trim().is_empty()))
        };
        let base_url = pick("base_url", "KDOCS_BASE_URL", &profile.base_url);
        Ok(Settings {
            base_url_given: base_url.is_some(),
            base_url: base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            app_id: pick("app_id", "KDOCS_APP_ID", &profile.app_id),
            app_key: pick("app_key", "KDOCS_APP_KEY", &profile.app_key),
            access_token: pick("access_token", "KDOCS_ACCESS_TOKEN", &None),
            account: pick("account", "KDOCS_ACCOUNT", &profile.account)
                .unwrap_or_else(|| crate::auth::DEFAULT_ACCOUNT.to_owned()),
            store: pick("store", "KDOCS_TOKEN_STORE", &profile.store),
            timeout: chain.one::<u64>("timeout"),
            profile: profile_name,
        })
    }

    /// The secrets among the settings, to keep out of logs.
    pub(crate) fn secrets(&self) -> Vec<String> {
        [&self.app_key, &self.access_token]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// The profile `named` (or the default one) of the config file that `env`
/// points to.
fn load_profile(
    named: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, Failure> {
    let dir = config::config_dir_from(|name| env(name).map(Into::into));
    match dir {
        Some(dir) => config::load_profile(&dir.join(config::FILE_NAME), named),
        None if named.is_some() => Err(Failure::usage(
            "no config folder to find the profile in (HOME is not set): set KDOCS_CONFIG_DIR",
        )),
        None => Ok(Profile::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> Command {
        with_options(
            Command::new("kdocs").subcommand(with_options(Command::new("op"), Options::Call)),
            Options::Call,
        )
    }

    /// The settings of `args` with the variables `vars` and a config folder
    /// holding `config`.
    fn settings(args: &[&str], vars: &[(&str, &str)], config: &str) -> Result<Settings, Failure> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(config::FILE_NAME);
        std::fs::write(&path, config).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let root = command().try_get_matches_from(args).unwrap();
        let leaf = root.subcommand_matches("op").unwrap();
        let dir_text = dir.path().to_str().unwrap().to_owned();
        let env = move |name: &str| -> Option<String> {
            if name == "KDOCS_CONFIG_DIR" {
                return Some(dir_text.clone());
            }
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        Settings::resolve_with(&Chain::new(&[&root, leaf]), &env)
    }

    const CONFIG: &str = "[default]\nbase_url = \"http://default\"\napp_id = \"d\"\n\n\
        [profile.p]\nbase_url = \"http://p\"\napp_id = \"p-app\"\napp_key = \"p-key\"\n\
        account = \"alice\"\nstore = \"/p.sqlite\"\n";

    #[test]
    fn flags_then_variables_then_the_profile_then_defaults() {
        let s = settings(&["kdocs", "op"], &[], CONFIG).unwrap();
        assert_eq!(
            (s.base_url.as_str(), s.app_id.as_deref()),
            ("http://default", Some("d"))
        );
        assert!(s.base_url_given);
        assert_eq!(s.account, "default");

        let s = settings(&["kdocs", "--profile", "p", "op"], &[], CONFIG).unwrap();
        assert_eq!(s.base_url, "http://p");
        assert_eq!(s.app_key.as_deref(), Some("p-key"));
        assert_eq!(
            (s.account.as_str(), s.store.as_deref()),
            ("alice", Some("/p.sqlite"))
        );
        assert_eq!(s.profile.as_deref(), Some("p"));

        let env = [("KDOCS_PROFILE", "p"), ("KDOCS_APP_ID", "env-app")];
        let s = settings(&["kdocs", "op"], &env, CONFIG).unwrap();
        assert_eq!(
            (s.base_url.as_str(), s.app_id.as_deref()),
            ("http://p", Some("env-app"))
        );

        let s = settings(&["kdocs", "op", "--app-id", "flag-app"], &env, CONFIG).unwrap();
        assert_eq!(s.app_id.as_deref(), Some("flag-app"));
        // A flag after the command wins over one before it.
        let s = settings(
            &["kdocs", "--app-id", "a", "op", "--app-id", "b"],
            &[],
            CONFIG,
        )
        .unwrap();
        assert_eq!(s.app_id.as_deref(), Some("b"));

        let s = settings(&["kdocs", "op"], &[], "").unwrap();
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert!(!s.base_url_given);
        assert_eq!(s.app_id, None);
    }

    #[test]
    fn a_profile_named_must_exist() {
        let err = settings(&["kdocs", "op", "--profile", "nope"], &[], CONFIG).unwrap_err();
        assert!(err.message().contains("no profile `nope`"), "{err:?}");
        assert_eq!(err.exit_code(), std::process::ExitCode::from(2));
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = settings(
            &["kdocs", "--profile", "p", "op"],
            &[("KDOCS_ACCESS_TOKEN", "tok-123")],
            CONFIG,
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("p-key") && !shown.contains("tok-123"),
            "{shown}"
        );
        assert_eq!(s.secrets(), ["p-key", "tok-123"]);
    }

    #[test]
    fn every_credential_flag_names_its_variable() {
        assert_eq!(credential_env("--app-key"), Some("KDOCS_APP_KEY"));
        assert_eq!(credential_env("--access-token"), Some("KDOCS_ACCESS_TOKEN"));
        assert_eq!(credential_env("--file-token"), None);
    }
}
