//! Turns the kdocs `api-spec/` YAML into a typed Rust client.
//!
//! The generator runs in four visible stages, each a module with its own docs:
//!
//! 1. `load`: read the `*.yaml` files of a folder (in name order) and parse
//!    them, remembering where every node is;
//! 2. `validate`: check keys, types, names and path templates, merge the files
//!    into one [`Spec`], and report *every* problem with file, line, column, YAML
//!    path, the offending line and a hint;
//! 3. `model`: decide Rust names and shapes, and the example answers;
//! 4. `emit`: one emitter per artefact (the client with each operation's
//!    descriptor, which the fake server and the `kdocs` command read; the
//!    every-endpoint driver; the OpenAPI export). The Rust emitters write
//!    through one writer that owns indentation and line breaking, so its
//!    text is the formatted file.
//!
//! # Features
//!
//! - `cli` (default): the `kdocs-codegen` command (`check`, `print`,
//!   `openapi`, `synth`), with `clap`.
//! - `testing` (on with `cli`): for this project's own tests and benchmarks,
//!   not a stable API: a synthetic spec of any size with realistic shapes
//!   (`kdocs-codegen synth`), spec fuzzing, and the four stages one by one.
//! - `pretty` (default): the output checked to parse with `syn` (the same
//!   text either way). A build script does not need it: `kdocs-client`
//!   depends on this crate with `default-features = false`, so a build of it
//!   compiles neither `clap` nor `syn` for the generator.
//!
//! The same input always gives byte-identical output: files are read in name
//! order, lists keep spec order, and no hash map decides any order.
//!
//! ```no_run
//! use kdocs_codegen::{generate_dir, Settings};
//!
//! let settings = Settings::new().with_runtime_path("::kdocs_client::runtime");
//! match generate_dir("api-spec".as_ref(), &settings) {
//!     Ok(code) => std::fs::write("generated.rs", code).unwrap(),
//!     Err(diagnostics) => eprintln!("{diagnostics}"),
//! }
//! ```
//!
//! The generated code is thin on purpose: it describes each endpoint and calls
//! one generic function of the hand-written runtime in `kdocs-client`, so it
//! compiles fast and all the behaviour is tested once, by hand.

#![deny(missing_docs)]

pub mod diagnostic;
pub mod spec;

// The stages, and what only this project's tests and benchmarks use, are
// public under the `testing` feature alone: a build script sees the
// entry points below, so a change inside the generator is no semver question
// for it.
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod emit;
#[cfg(not(feature = "testing"))]
mod emit;
mod example;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod fuzz;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod load;
#[cfg(not(feature = "testing"))]
mod load;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod model;
#[cfg(not(feature = "testing"))]
mod model;
mod naming;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod synthetic;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod validate;
#[cfg(not(feature = "testing"))]
mod validate;
mod yaml;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics, Position};
pub use emit::openapi;
pub use spec::Spec;

/// How the generated code refers to the runtime and where the client methods go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    runtime_path: String,
    client_type: Option<String>,
    families: Option<Vec<String>>,
    families_from_features: bool,
    blocking_client_type: Option<String>,
    doc_examples: Option<String>,
    driver: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self::new()
    }
}

impl Settings {
    /// Settings for code compiled outside `kdocs-client`: the runtime is
    /// `::kdocs_client::runtime`, and the generated code defines its own `Client`
    /// wrapper around the runtime client.
    pub fn new() -> Self {
        Self {
            runtime_path: "::kdocs_client::runtime".into(),
            client_type: None,
            families: None,
            families_from_features: false,
            blocking_client_type: None,
            doc_examples: None,
            driver: None,
        }
    }

    /// The path of the runtime module (`crate::runtime` inside `kdocs-client`).
    pub fn with_runtime_path(mut self, path: &str) -> Self {
        self.runtime_path = path.to_owned();
        self
    }

    /// Put the client methods in an inherent `impl` of this type (which must be
    /// local to the crate that includes the code) instead of a generated wrapper.
    pub fn with_client_type(mut self, path: &str) -> Self {
        self.client_type = Some(path.to_owned());
        self
    }

    /// Generate only the endpoints of these families (the `family:` of their
    /// files; endpoints of no family always), and the named types they use.
    /// A build script passes the families whose cargo features are on.
    pub fn with_families<S: Into<String>>(mut self, families: impl IntoIterator<Item = S>) -> Self {
        self.families = Some(families.into_iter().map(Into::into).collect());
        self
    }

    /// For [`generate_for_build`]: generate the families whose cargo feature
    /// of the same name is on (`CARGO_FEATURE_APPSPACE` for `appspace`).
    pub fn with_families_from_cargo_features(mut self) -> Self {
        self.families_from_features = true;
        self
    }

    /// Also put a blocking twin of every client method on this type (which
    /// must be local to the crate and have `fn execute<O: Operation>(&self, O)
    /// -> Result<O::Output, Error>`): `crate::blocking::Client` in
    /// `kdocs-client` with its `blocking` feature.
    pub fn with_blocking_client_type(mut self, path: &str) -> Self {
        self.blocking_client_type = Some(path.to_owned());
        self
    }

    /// The blocking client's type, when blocking methods are emitted.
    pub fn blocking_client_type(&self) -> Option<&str> {
        self.blocking_client_type.as_deref()
    }

    /// Give every client method an `# Example`: a `no_run` doctest that
    /// builds the request from the spec's `example:` values (a parameter
    /// without one gets a placeholder named after it) and calls the method;
    /// the `ErrorCode` table gets a runnable one. A doctest is a crate of its
    /// own, so `path` is how it reaches the generated items: `kdocs_client`
    /// for `kdocs-client`, which re-exports them at its root. A `crate::`
    /// path of the other settings (the runtime, the client type) is read as
    /// starting at the first segment of `path`.
    ///
    /// Off by default: where a crate includes the generated file, and so
    /// what a doctest must write to reach it, only that crate knows.
    pub fn with_doc_examples(mut self, path: &str) -> Self {
        self.doc_examples = Some(path.to_owned());
        self
    }

    /// Generate, in place of the client, the every-endpoint driver of a
    /// client generated from the same spec, whose items are at `path`
    /// (`kdocs_client`): for every operation, a call through `path::Client`
    /// with the spec's `example:` values (placeholders where it gives none,
    /// as for [`Settings::with_doc_examples`]) and the same call as `kdocs`
    /// command-line arguments; the caller gives a user's access token and a
    /// file a server accepts. The runtime path is read as for doc examples.
    /// See the driver emitter (`emit::driver`) for the items; a test includes the file and runs
    /// them against a fake server, so an endpoint added to the YAML is
    /// called with no Rust written for it.
    pub fn with_driver(mut self, path: &str) -> Self {
        self.driver = Some(path.to_owned());
        self
    }

    /// The path of the client the driver calls, when the driver is emitted.
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// The path doc examples reach the generated items by, when they are emitted.
    pub fn doc_examples(&self) -> Option<&str> {
        self.doc_examples.as_deref()
    }

    /// The families to generate, when not all.
    pub fn families(&self) -> Option<&[String]> {
        self.families.as_deref()
    }

    /// The runtime module path.
    pub fn runtime_path(&self) -> &str {
        &self.runtime_path
    }

    /// The type the client methods are implemented on, if not a generated wrapper.
    pub fn client_type(&self) -> Option<&str> {
        self.client_type.as_deref()
    }
}

/// Loads and validates the spec folder `dir`.
pub fn check_dir(dir: &Path) -> Result<Spec, Diagnostics> {
    let files = load::load_dir(dir)?;
    validate::validate(&files)
}

/// Loads, validates and generates the client code for the spec folder `dir`.
pub fn generate_dir(dir: &Path, settings: &Settings) -> Result<String, Diagnostics> {
    let spec = check_dir(dir)?;
    generate_spec(&spec, settings).map_err(|message| {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic {
            file: dir.to_path_buf(),
            position: Position::START,
            yaml_path: String::new(),
            message,
            hint: Some("this is a bug in kdocs-codegen; please report it with the spec".into()),
            source_line: None,
        });
        diagnostics
    })
}

/// Generates code for a validated spec. Fails only (with the `pretty`
/// feature) if an emitter produced code that does not parse, which would be
/// a bug in the emitter.
pub fn generate_spec(spec: &Spec, settings: &Settings) -> Result<String, String> {
    let subset;
    let spec = match settings.families() {
        Some(families) => {
            let families: Vec<&str> = families.iter().map(String::as_str).collect();
            subset = spec.only_families(&families);
            &subset
        }
        None => spec,
    };
    let model = model::build(spec);
    emit::emit(&model, settings).map_err(|e| format!("generated code does not parse: {e}"))
}

/// Generates code from in-memory spec files `(name, text)`, as if they were the
/// files of one folder (sorted by name). Used by tests and tools.
pub fn generate_sources(
    files: &[(&str, &str)],
    settings: &Settings,
) -> Result<String, Diagnostics> {
    let spec = check_sources(files)?;
    generate_spec(&spec, settings).map_err(|message| {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic {
            file: "<memory>".into(),
            position: Position::START,
            yaml_path: String::new(),
            message,
            hint: None,
            source_line: None,
        });
        diagnostics
    })
}

/// Loads and validates in-memory spec files `(name, text)`.
pub fn check_sources(files: &[(&str, &str)]) -> Result<Spec, Diagnostics> {
    let mut sorted: Vec<&(&str, &str)> = files.iter().collect();
    sorted.sort_by_key(|(name, _)| *name);
    let mut loaded = Vec::new();
    let mut diagnostics = Diagnostics::new();
    for (name, text) in sorted {
        match load::SourceFile::parse(*name, *text) {
            Ok(file) => loaded.push(file),
            Err(d) => diagnostics.push(d),
        }
    }
    if !diagnostics.is_empty() {
        diagnostics.sort();
        return Err(diagnostics);
    }
    validate::validate(&loaded)
}

/// For `build.rs`: generates the client of the spec folder `spec_dir` into
/// `$OUT_DIR/{file_name}` and tells cargo to rerun when the folder or any spec
/// file changes. On a bad spec, returns the rendered diagnostics (file names
/// relative to `display_base`) for the build script to print before failing:
///
/// ```no_run
/// // In build.rs's `fn main`:
/// let spec = std::path::Path::new("api-spec");
/// let settings = kdocs_codegen::Settings::new();
/// if let Err(message) = kdocs_codegen::generate_for_build(spec, "kdocs_api.rs", &settings, spec) {
///     eprintln!("{message}");
///     std::process::exit(1);
/// }
/// // lib.rs: mod api { include!(concat!(env!("OUT_DIR"), "/kdocs_api.rs")); }
/// ```
pub fn generate_for_build(
    spec_dir: &Path,
    file_name: &str,
    settings: &Settings,
    display_base: &Path,
) -> Result<std::path::PathBuf, String> {
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    if let Ok(paths) = load::spec_file_paths(spec_dir) {
        for path in paths {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let spec = check_dir(spec_dir).map_err(|diagnostics| {
        format!(
            "{}error: the spec in {} is invalid; fix the errors above",
            diagnostics.render_relative_to(display_base),
            spec_dir.display(),
        )
    })?;
    let mut settings = settings.clone();
    if settings.families_from_features {
        let on: Vec<String> = spec
            .families()
            .into_iter()
            .filter(|family| {
                let var = format!("CARGO_FEATURE_{}", family.to_ascii_uppercase());
                std::env::var_os(var).is_some()
            })
            .map(str::to_owned)
            .collect();
        settings = settings.with_families(on);
    }
    let code = generate_spec(&spec, &settings).map_err(|message| {
        format!(
            "error: kdocs-codegen failed on {}: {message}",
            spec_dir.display()
        )
    })?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
        "OUT_DIR is not set: call generate_for_build from a build script".to_owned()
    })?;
    let target = Path::new(&out_dir).join(file_name);
    // The same code is left as it is: its old modification time tells cargo
    // that the crate including it need not compile again (an edit of one
    // spec reruns a build script that writes several files).
    if std::fs::read(&target).is_ok_and(|old| old == code.as_bytes()) {
        return Ok(target);
    }
    std::fs::write(&target, code)
        .map_err(|e| format!("error: cannot write {}: {e}", target.display()))?;
    Ok(target)
}
