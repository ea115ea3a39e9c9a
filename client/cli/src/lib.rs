//! The `kdocs` command, as a library (the binary is a thin `main`).
//!
//! Every endpoint of the spec is a subcommand: its name with `-` for `_`
//! (`kdocs get-file-info --file-token …`), its flags its parameters, its help
//! the spec's descriptions. None of that is written here: the subcommands are
//! built at run time from each operation's descriptor (its generated `SPEC`,
//! see [`operations`]), and a request from the command line by its generated
//! `from_params`, so an endpoint added to the YAML is a new subcommand with no
//! code in this crate.
//!
//! Four subcommands are hand-written:
//!
//! - `kdocs auth login | status | logout`: a user's login, kept in a token
//!   store ([`auth`]), which every operation that acts as a user then uses;
//! - `kdocs download`: a verified, streamed download of an app document, with
//!   a progress bar on a terminal;
//! - `kdocs fake`: a stateful fake kdocs server on a loopback address, its
//!   values printed as one JSON line or as shell `export` lines;
//! - `kdocs demo`: the [`demo`].
//!
//! Credentials come from `KDOCS_APP_ID`, `KDOCS_APP_KEY` and
//! `KDOCS_ACCESS_TOKEN` (or `--app-id`, `--app-key`, `--access-token`, which
//! other users of the machine can see in the process list); without an
//! access token, an operation that acts as a user uses the stored login of
//! `kdocs auth login`. Answers are JSON
//! on stdout; errors go to stderr, with exit status 1 for a failed call and 2
//! for a command line that cannot run.

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
