//! Generates the API from `../api-spec` into `$OUT_DIR/kdocs_api.rs`: the
//! endpoints of the families whose cargo features are on, and the fake
//! server's side when the `fake` feature is on. A bad spec fails the build
//! with codegen's diagnostics.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let workspace = manifest_dir.parent().unwrap_or(&manifest_dir).to_path_buf();
    let mut settings = kdocs_codegen::Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::runtime::Client")
        .with_families_from_cargo_features();
    // The fake server's side of the endpoints only exists with the `fake` feature.
    if std::env::var_os("CARGO_FEATURE_FAKE").is_some() {
        settings = settings.with_fake_server("crate::fake::wire");
    }
    let spec_dir = workspace.join("api-spec");
    if let Err(message) =
        kdocs_codegen::generate_for_build(&spec_dir, "kdocs_api.rs", &settings, &workspace)
    {
        eprintln!("{message}");
        std::process::exit(1);
    }
}
