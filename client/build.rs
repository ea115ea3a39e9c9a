//! Generates the API from the spec into `$OUT_DIR/kdocs_api.rs`: the endpoints
//! of the families whose cargo features are on, each with the descriptor
//! (`SPEC`, `from_params`) that the fake server and the `kdocs` command read.
//! A bad spec fails the build with codegen's diagnostics.
//!
//! The spec is `api-spec/` in this package: in the repository a link to the
//! top-level `api-spec/` that maintainers edit (which the build reads, so that
//! errors name it), in the published package a copy of it (`cargo package`
//! follows the link), so the package builds alone.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let mut settings = kdocs_codegen::Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::Client")
        .with_families_from_cargo_features()
        // An `# Example` on every method, compiled by `cargo test --doc`; the
        // generated items are re-exported at the crate root.
        .with_doc_examples("kdocs_client");
    // The blocking twins of the methods exist only with the `blocking` feature.
    if std::env::var_os("CARGO_FEATURE_BLOCKING").is_some() {
        settings = settings.with_blocking_client_type("crate::blocking::Client");
    }
    // In the repository, read the top-level `api-spec/` the link points to, so
    // that errors name the file maintainers edit (`api-spec/x.yaml`, not
    // `client/api-spec/x.yaml`); in the package, its own copy.
    let repository = manifest_dir
        .parent()
        .filter(|root| root.join("api-spec").is_dir() && root.join("codegen").is_dir());
    let display_base = repository.unwrap_or(&manifest_dir).to_path_buf();
    let spec_dir = display_base.join("api-spec");
    if let Err(message) =
        kdocs_codegen::generate_for_build(&spec_dir, "kdocs_api.rs", &settings, &display_base)
    {
        let advice = if repository.is_some() {
            "check it quickly with `cargo run -p kdocs-codegen -- check api-spec`"
        } else {
            "the spec shipped in this kdocs-client package does not validate: please report it \
             to the kdocs-client maintainers, with the errors above"
        };
        eprintln!("{message}\n{advice}");
        std::process::exit(1);
    }
}
