//! Generates the client of `fixture-spec/` (the spec that uses every feature of
//! the spec language) into `$OUT_DIR/fixture_api.rs`, so that the generated code
//! is compiled, not only snapshotted. `src/lib.rs` includes it as `fixture_api`.
//!
//! Also the every-endpoint driver of `api-spec/` (`Settings::with_driver`)
//! into `$OUT_DIR/every_endpoint.rs`, for `tests/every_endpoint.rs`: every
//! operation of the spec called with its example values through
//! `kdocs_client` and as `kdocs` command lines.
//!
//! Also the clients of `semver-spec/` before and after a maintainer's
//! non-breaking edits, as `semver_before` and `semver_after`, for
//! `tests/semver.rs`.
//!
//! Also the client of a small synthetic spec (`kdocs_codegen::synthetic`, the
//! benchmarks' spec) as `synthetic_api`, with the settings
//! `tests/bench/compile-cost.sh` compiles it with: the benchmarks' code is
//! compiled by every test run, so it cannot rot.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    println!("cargo:rerun-if-changed=build.rs");
    // External settings: runtime at `::kdocs_client::runtime`, a generated `Client` wrapper.
    // The fixture is served by `FakeKdocs::start_serving`, from its descriptors.
    // Doc examples too, compiled as this crate's doctests (`src/lib.rs` includes
    // the code as `fixture_api`).
    let settings = kdocs_codegen::Settings::new().with_doc_examples("kdocs_tests::fixture_api");
    let spec_dir = manifest_dir.join("fixture-spec");
    if let Err(message) =
        kdocs_codegen::generate_for_build(&spec_dir, "fixture_api.rs", &settings, &manifest_dir)
    {
        eprintln!("{message}");
        std::process::exit(1);
    }

    // The driver calls kdocs_client's methods: the items at its root.
    let driver = kdocs_codegen::Settings::new().with_driver("kdocs_client");
    let workspace_dir = manifest_dir.join("..");
    if let Err(message) = kdocs_codegen::generate_for_build(
        &workspace_dir.join("api-spec"),
        "every_endpoint.rs",
        &driver,
        &workspace_dir,
    ) {
        eprintln!("{message}");
        std::process::exit(1);
    }

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let semver_dir = manifest_dir.join("semver-spec");
    let read = |path: PathBuf| {
        println!("cargo:rerun-if-changed={}", path.display());
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        })
    };
    let service = read(semver_dir.join("service.yaml"));
    for version in ["before", "after"] {
        let family = read(semver_dir.join(version).join("files.yaml"));
        let files = [
            ("service.yaml", service.as_str()),
            ("files.yaml", family.as_str()),
        ];
        let code = kdocs_codegen::generate_sources(&files, &kdocs_codegen::Settings::new())
            .unwrap_or_else(|diagnostics| {
                eprintln!("semver-spec/{version}: {diagnostics}");
                std::process::exit(1);
            });
        write_if_changed(&out_dir.join(format!("semver_{version}.rs")), &code);
    }

    // Two families of 12 endpoints: every operation shape of the synthetic spec, twice.
    let spec = kdocs_codegen::synthetic::spec(24).unwrap_or_else(|diagnostics| {
        eprintln!("{diagnostics}");
        std::process::exit(1);
    });
    let code = kdocs_codegen::generate_spec(&spec, &kdocs_codegen::Settings::new()).unwrap_or_else(
        |message| {
            eprintln!("{message}");
            std::process::exit(1);
        },
    );
    write_if_changed(&out_dir.join("synthetic_api.rs"), &code);
}

/// Writes `code` unless the file holds it already, so that the crate is not
/// compiled again.
fn write_if_changed(target: &std::path::Path, code: &str) {
    if std::fs::read(target).map_or(true, |old| old != code.as_bytes()) {
        std::fs::write(target, code).expect("OUT_DIR is writable");
    }
}
