//! The operations' subcommands, grouped by family: `kdocs appspace
//! get-appspace-file-info …`, the family being the one of the operation's
//! descriptor ([`OperationSpec::family`](kdocs_client::runtime::OperationSpec::family)).
//! Each operation is also a hidden top-level subcommand of its own name, so
//! `kdocs get-appspace-file-info …` keeps working; an operation whose spec
//! file names no family is a top-level subcommand only.
//!
//! An operation's subcommand gets one flag per parameter (`file_token` is
//! `--file-token`), required when the parameter is, repeatable when it is a
//! list, a path when it is a file. Values are text; the command runtime
//! ([`crate::args`]) reads them as the parameter's type, so
//! `--count 5`, `--download true` and `--config '{"a":1}'` need no quoting
//! rules of their own. A secret parameter (a token) may come from the
//! environment instead: `KDOCS_` and its name in capitals. An operation that
//! has an `app_id`, `app_key` or `access_token` parameter takes the global
//! option's value ([`crate::settings`]). A list that pages has
//! `--paginate`; an operation with a file parameter `--no-progress`.

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint};
use kdocs_client::runtime::{Auth, ParamSpec, DEFAULT_MAX_PAGES};

use crate::operations::{self, OperationCommand};
use crate::settings::{self, Options};

/// The parameters that take a global option's value.
pub(crate) const FROM_GLOBALS: [&str; 3] = ["app_id", "app_key", "access_token"];

/// The families, in spec order, each with its operations.
pub(crate) fn families() -> Vec<(&'static str, Vec<&'static OperationCommand>)> {
    let mut families: Vec<(&'static str, Vec<&'static OperationCommand>)> = Vec::new();
    for operation in operations::all() {
        let Some(family) = operation.spec.family else {
            continue;
        };
        match families.iter_mut().find(|(name, _)| *name == family) {
            Some((_, ops)) => ops.push(operation),
            None => families.push((family, vec![operation])),
        }
    }
    families
}

/// One family's subcommand: its operations as its subcommands.
fn family_command(family: &'static str, ops: &[&'static OperationCommand]) -> Command {
    let names: Vec<String> = ops.iter().map(|op| op.subcommand()).collect();
    let shown = match names.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a}, {b}"),
        [a, b, ..] => format!("{a}, {b}, …"),
        [] => String::new(),
    };
    let plural = if ops.len() == 1 { "" } else { "s" };
    Command::new(family)
        .about(format!("{} operation{plural}: {shown}", ops.len()))
        .long_about(format!(
            "The operations of the `{family}` family of the kdocs API (the cargo feature \
             `{family}` of kdocs-client). `kdocs {family} <OPERATION> --help` shows an \
             operation's flags; each operation is also `kdocs <OPERATION>`."
        ))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand_value_name("OPERATION")
        .subcommand_help_heading("Operations")
        .subcommands(ops.iter().map(|op| operation_command(op)))
}

/// Every operation's subcommands: a family's command per family, then the
/// operations without a family as top-level commands, and with `aliases`
/// the others as hidden top-level commands of their own names.
pub(crate) fn commands(aliases: bool) -> Vec<Command> {
    let mut commands: Vec<Command> = families()
        .iter()
        .map(|(family, ops)| family_command(family, ops))
        .collect();
    commands.extend(
        operations::all()
            .iter()
            .filter(|op| aliases || op.spec.family.is_none())
            .map(|op| operation_command(op).hide(op.spec.family.is_some())),
    );
    commands
}

/// The operation `matches` names, and its subcommand's matches: `kdocs
/// <family> <operation>` or `kdocs <operation>`.
pub(crate) fn find<'a>(
    name: &str,
    matches: &'a ArgMatches,
) -> Option<(&'static OperationCommand, Option<&'a ArgMatches>)> {
    if let Some(op) = operations::find(name) {
        return Some((op, None));
    }
    let (_, ops) = families().into_iter().find(|(family, _)| *family == name)?;
    let (sub, sub_matches) = matches.subcommand()?;
    let op = ops.into_iter().find(|op| op.subcommand() == sub)?;
    Some((op, Some(sub_matches)))
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
    let mut command = Command::new(operation.subcommand())
        .about(spec.summary)
        .long_about(long_about)
        .args(
            spec.params
                .iter()
                .filter(|p| !FROM_GLOBALS.contains(&p.name))
                .map(argument),
        );
    if operation.is_paged() {
        command = command.arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help_heading(settings::GLOBAL)
                .help(format!(
                    "Fetch every page, from the request's offset on, and print one JSON line \
                     per item (per page when the spec names no items), at most \
                     {DEFAULT_MAX_PAGES} pages"
                )),
        );
    }
    if spec.office_task {
        command = command.arg(
            Arg::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help_heading(settings::GLOBAL)
                .help(
                    "Wait for the office task the answer names (get_office_task, polled with \
                     backoff for at most 2 minutes; a spinner on a terminal) and print its answer",
                ),
        );
    }
    if spec.params.iter().any(|p| p.file) {
        command = command.arg(crate::progress::arg());
    }
    settings::with_options(command, Options::CallAndPrint)
}

fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Wps2 => "the app's WPS-2 signature (KDOCS_APP_ID, KDOCS_APP_KEY)",
        Auth::AccessToken => {
            "a user's access token (KDOCS_ACCESS_TOKEN, else the stored login of `kdocs auth login`)"
        }
        Auth::Wps2AndAccessToken => {
            "the app's WPS-2 signature and a user's access token (KDOCS_APP_ID, KDOCS_APP_KEY, \
             KDOCS_ACCESS_TOKEN, else the stored login)"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_its_family_and_at_the_top() {
        let commands = commands(true);
        let families = families();
        assert!(families.len() > 10, "{}", families.len());
        for operation in operations::all() {
            let name = operation.subcommand();
            let family = operation.spec.family.unwrap();
            let group = commands
                .iter()
                .find(|c| c.get_name() == family)
                .unwrap_or_else(|| panic!("no family {family}"));
            assert!(group.find_subcommand(&name).is_some(), "{family} {name}");
            let top = commands
                .iter()
                .find(|c| c.get_name() == name)
                .unwrap_or_else(|| panic!("no top-level {name}"));
            assert!(top.is_hide_set(), "{name} shows twice in the help");
        }
        let without = super::commands(false);
        assert_eq!(without.len(), families.len(), "only the families");
    }

    #[test]
    fn only_the_lists_that_page_take_paginate() {
        for operation in operations::all() {
            let command = operation_command(operation);
            let has = command
                .get_arguments()
                .any(|a| a.get_id().as_str() == "paginate");
            assert_eq!(has, operation.is_paged(), "{}", operation.spec.name);
        }
    }
}
