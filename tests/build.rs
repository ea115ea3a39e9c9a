//! Generates the client of `fixture-spec/` (the spec that uses every feature of
//! the spec language) into `$OUT_DIR/fixture_api.rs`, so that the generated code
//! is compiled, not only snapshotted. `src/lib.rs` includes it as `fixture_api`.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let spec_dir = manifest_dir.join("fixture-spec");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    if let Ok(paths) = kdocs_codegen::load::spec_file_paths(&spec_dir) {
        for path in paths {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    // External settings: runtime at `::kdocs_client::runtime`, a generated `Client` wrapper.
    let settings = kdocs_codegen::Settings::new();
    match kdocs_codegen::generate_dir(&spec_dir, &settings) {
        Ok(code) => {
            let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            let target = out.join("fixture_api.rs");
            if let Err(e) = std::fs::write(&target, code) {
                eprintln!("error: cannot write {}: {e}", target.display());
                std::process::exit(1);
            }
        }
        Err(diagnostics) => {
            eprintln!("{}", diagnostics.render_relative_to(&manifest_dir));
            eprintln!("error: tests/fixture-spec is invalid");
            std::process::exit(1);
        }
    }
}
