//! Tests, the demo and the `kdocs` command of the kdocs client workspace.
//!
//! - [`demo`]: calls the five kdocs endpoints step by step, against the
//!   in-process fake or a server named by `KDOCS_*` environment variables;
//! - `tests/`: snapshot tests of the generated code and end-to-end suites.

#![deny(missing_docs)]

pub mod demo;
pub mod misbehaving;

/// The client generated from `tests/fixture-spec/` (every feature of the spec
/// language) by `build.rs`, compiled so that no snapshot can hold code that
/// does not build. Exercised by `tests/codegen.rs`.
pub mod fixture_api {
    include!(concat!(env!("OUT_DIR"), "/fixture_api.rs"));
}
