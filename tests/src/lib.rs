//! Tests of the kdocs client workspace.
//!
//! - [`demo`]: the `kdocs demo` steps (from kdocs-cli), for the tests that
//!   run it in-process;
//! - [`misbehaving`]: a server that answers as told, for hostile-server tests;
//! - `tests/`: snapshot tests of the generated code and end-to-end suites.

#![deny(missing_docs)]

pub use kdocs_cli::demo;
pub mod misbehaving;

/// The client generated from `tests/fixture-spec/` (every feature of the spec
/// language) by `build.rs`, compiled so that no snapshot can hold code that
/// does not build. Exercised by `tests/codegen.rs`.
pub mod fixture_api {
    include!(concat!(env!("OUT_DIR"), "/fixture_api.rs"));
}
