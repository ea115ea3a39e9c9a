//! Generates the API from `../api-spec` into `$OUT_DIR/kdocs_api.rs`.

use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let spec_dir = manifest_dir.join("../api-spec");
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    if let Ok(paths) = kdocs_codegen::load::spec_file_paths(&spec_dir) {
        for path in paths {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let settings = kdocs_codegen::Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::runtime::Client");
    match kdocs_codegen::generate_dir(&spec_dir, &settings) {
        Ok(code) => {
            let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            let target = out.join("kdocs_api.rs");
            if let Err(e) = std::fs::write(&target, code) {
                eprintln!("error: cannot write {}: {e}", target.display());
                std::process::exit(1);
            }
        }
        Err(diagnostics) => {
            eprintln!(
                "{}",
                diagnostics
                    .render_relative_to(Path::new(&manifest_dir).parent().unwrap_or(&manifest_dir))
            );
            eprintln!("error: api-spec is invalid; fix the errors above (check quickly with `cargo run -p kdocs-codegen -- check api-spec`)");
            std::process::exit(1);
        }
    }
}
