//! The long fuzz run: `cargo run --release -p kdocs-codegen --example fuzz_spec -- 100000 [seed]`.
//!
//! Feeds arbitrary YAML and mutated copies of `api-spec/*.yaml` to the loader,
//! validator, generator and OpenAPI export; prints the case count and every
//! input that panicked, and exits 1 if one did.

use std::path::Path;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0x006b_646f_6373);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut corpus = Vec::new();
    for path in kdocs_codegen::load::spec_file_paths(&root.join("api-spec")).unwrap_or_default() {
        if let Ok(text) = std::fs::read_to_string(&path) {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            corpus.push((name, text));
        }
    }
    // Quiet the default hook: failures are listed at the end.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let report = kdocs_codegen::fuzz::run(&corpus, cases, seed);
    let _ = std::panic::take_hook();
    println!(
        "fuzz_spec: {} cases ({} valid specs) from {} corpus files, seed {seed}, in {:.1?}: {} panic(s)",
        report.cases,
        report.valid,
        corpus.len(),
        started.elapsed(),
        report.failures.len()
    );
    for failure in report.failures.iter().take(20) {
        println!("--- case {}: {}", failure.case, failure.message);
        for (name, text) in &failure.files {
            println!("=== {name}\n{text}");
        }
    }
    if !report.failures.is_empty() {
        std::process::exit(1);
    }
}
