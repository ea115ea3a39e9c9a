//! The `kdocs` command, as a library (the binary is a thin `main`).
//!
//! Every endpoint of the spec is a subcommand, in the group of its family:
//! `kdocs appspace get-appspace-file-info --file-token …`, its name with `-`
//! for `_`, its flags its parameters, its help the spec's descriptions; each
//! is also a hidden top-level alias (`kdocs get-appspace-file-info …`). None
//! of that is written here: the subcommands are built at run time from each
//! operation's descriptor (its generated `SPEC`, family included, see
//! [`operations`]), and a request from the command line by its generated
//! `from_params`, so an endpoint added to the YAML is a new subcommand in its
//! family with no code in this crate; a list that pages gets `--paginate`,
//! walked by the runtime's `Pages`, and an operation whose answer names an
//! office task (`office_task: true`) `--wait`, which waits for it with
//! `Client::wait_for_task`.
//!
//! Six subcommands are hand-written:
//!
//! - `kdocs auth login | status | logout`: a user's login, kept in a token
//!   store ([`auth`]), which every operation that acts as a user then uses;
//! - `kdocs download`: a verified, streamed download of an app document, with
//!   a progress bar on a terminal;
//! - `kdocs fake`: a stateful fake kdocs server on a loopback address, its
//!   values printed as one JSON line or as shell `export` lines;
//! - `kdocs demo`: the [`demo`];
//! - `kdocs completions <shell>` and `kdocs man`: a completion script
//!   (bash, zsh, fish, powershell, elvish) and the man page.
//!
//! Settings come from the global options (before or after the command),
//! then from `KDOCS_BASE_URL`, `KDOCS_APP_ID`, `KDOCS_APP_KEY`,
//! `KDOCS_ACCESS_TOKEN`, `KDOCS_TOKEN_STORE` and `KDOCS_ACCOUNT`, then from
//! the profile of the config file (`config.toml` in the kdocs config folder:
//! `[default]`, or `[profile.NAME]` with `--profile NAME` or
//! `KDOCS_PROFILE`; an `app_key` only in a file private to its owner), then
//! from the defaults. Without an access token, an operation that acts as a
//! user uses the stored login of `kdocs auth login`.
//!
//! Answers are JSON on stdout; `--jq FILTER` filters them (jaq), one output
//! value a line (`-r`: strings as text); `--paginate` prints one JSON line
//! per item (per page when the spec names no items). `-v`, `-vv` and
//! `RUST_LOG` log the calls on stderr with the secrets scrubbed. Errors go to
//! stderr, a line of text or with `--error-format json` one object
//! `{"error": {"kind", "message", "code", "status", "operation"}}`, with an
//! exit status that tells them apart:
//!
//! | Status | Kind | When |
//! |---|---|---|
//! | 0 | | success |
//! | 1 | `api`, `paging`, `download`, `store`, `login`, `io` | the call failed otherwise |
//! | 2 | `usage` | the command line cannot run (a missing or bad flag, missing credentials, a bad config file) |
//! | 3 | `auth` | the service refused the credentials, the token or the signature, or a login must be renewed |
//! | 4 | `not_found` | what the call names does not exist |
//! | 5 | `network`, `timeout` | no answer: the connection failed, or a time limit elapsed |

#![deny(missing_docs)]

pub mod app;
pub mod args;
pub mod auth;
mod completions;
mod config;
pub mod demo;
mod download;
mod failure;
mod families;
mod filter;
mod logging;
pub mod operations;
mod output;
mod progress;
mod settings;
mod shell;

pub use app::{command, run, run_with};
