//! `kdocs completions <shell>` (clap_complete) and `kdocs man` (clap_mangen):
//! written from the same command line as the one that runs, so they know
//! every family, operation and flag. They show each operation in its family
//! (`kdocs appspace get-appspace-file-info`), not its top-level alias.

use std::io::Write;

use clap::{value_parser, Arg, ArgMatches, Command};
use clap_complete::Shell;

use crate::failure::Failure;

/// `kdocs completions`.
pub(crate) fn completions_command() -> Command {
    Command::new("completions")
        .about("Print a shell completion script (bash, zsh, fish, powershell, elvish)")
        .long_about(
            "Print a completion script for the shell on stdout: the families, their \
             operations and every flag.\n\n    \
             bash:  source <(kdocs completions bash)   (or save it in \
             ~/.local/share/bash-completion/completions/kdocs)\n    \
             zsh:   kdocs completions zsh > \"${fpath[1]}/_kdocs\"\n    \
             fish:  kdocs completions fish > ~/.config/fish/completions/kdocs.fish",
        )
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(value_parser!(Shell))
                .help("The shell"),
        )
}

/// `kdocs man`.
pub(crate) fn man_command() -> Command {
    Command::new("man")
        .about("Print the kdocs(1) man page (roff) on stdout")
        .long_about(
            "Print the kdocs(1) man page (roff) on stdout: `kdocs man | man -l -`, or \
             `kdocs man > ~/.local/share/man/man1/kdocs.1`.",
        )
}

/// Writes the completion script `matches` asks for.
pub(crate) fn run_completions(matches: &ArgMatches, out: &mut impl Write) -> Result<(), Failure> {
    let shell = *matches
        .get_one::<Shell>("shell")
        .ok_or_else(|| Failure::usage("no shell"))?;
    // Each operation once, in its family, and no `help` subcommand tree
    // (`--help` completes): the script stays a fraction of the size.
    let mut command = crate::app::command_with(false).disable_help_subcommand(true);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "kdocs", &mut script);
    out.write_all(&script)
        .map_err(|e| Failure::io(format!("cannot write the script: {e}")))
}

/// Writes the man page.
pub(crate) fn run_man(out: &mut impl Write) -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::app::command_with(false))
        .render(&mut page)
        .map_err(|e| Failure::io(format!("cannot render the man page: {e}")))?;
    out.write_all(&page)
        .map_err(|e| Failure::io(format!("cannot write the man page: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_families() {
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            let matches = completions_command()
                .try_get_matches_from(["completions", shell])
                .unwrap();
            let mut out = Vec::new();
            run_completions(&matches, &mut out).unwrap();
            let script = String::from_utf8(out).unwrap();
            assert!(script.contains("appspace"), "{shell}");
            assert!(script.contains("get-appspace-file-info"), "{shell}");
        }
    }

    #[test]
    fn the_man_page_is_roff_with_the_commands() {
        let mut out = Vec::new();
        run_man(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(
            page.starts_with(".ie") || page.contains(".TH kdocs"),
            "{}",
            &page[..200]
        );
        assert!(page.contains("completions"));
        assert!(page.contains("appspace"));
    }
}
