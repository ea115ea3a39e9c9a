//! Tests, the demo and the `kdocs` command of the kdocs client workspace.
//!
//! - [`demo`]: calls the five kdocs endpoints step by step, against the
//!   in-process fake or a server named by `KDOCS_*` environment variables;
//! - `tests/`: snapshot tests of the generated code and end-to-end suites.

#![deny(missing_docs)]

pub mod demo;
