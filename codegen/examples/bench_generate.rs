//! Generation benchmarks (`tests/bench/generation.sh` runs them):
//!
//! ```text
//! bench_generate stages [--runs R] DIR...             the median time of each stage, per spec folder
//! bench_generate generate DIR OUT                     one whole generation, as a build script does it
//! bench_generate generate --standalone CRATE DIR OUT  the same code for a crate of its own
//! ```
//!
//! Both go the way of the build script (`generate_for_build` without the
//! `pretty` feature): load (read and parse the YAML), validate, model, emit
//! (the file's text), write (the file). The settings
//! are those of `client/build.rs` with kdocs-client's default features (the
//! runtime at `crate::runtime`, the methods on its `Client`, doc examples);
//! `--standalone CRATE` gives the same code for a crate of its own on
//! `::kdocs_client::runtime` with a generated `Client` wrapper (its doc
//! examples naming `CRATE`), which is what `tests/bench/compile-cost.sh`
//! compiles. `stages` runs the folders round-robin, `R` rounds (default 15),
//! so that noise spreads over all of them, and prints a Markdown table of
//! medians.

use std::path::{Path, PathBuf};
use std::time::Instant;

use kdocs_codegen::{emit, load, model, validate, Settings};

const STAGES: [&str; 5] = ["load", "validate", "model", "emit", "write"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") if args.len() == 3 => {
            let settings = build_script_settings();
            generate(
                Path::new(&args[1]),
                Path::new(&args[2]),
                &settings,
                &mut [0.0; 5],
            );
        }
        Some("generate") if args.len() == 5 && args[1] == "--standalone" => {
            let settings = Settings::new().with_doc_examples(&args[2]);
            generate(
                Path::new(&args[3]),
                Path::new(&args[4]),
                &settings,
                &mut [0.0; 5],
            );
        }
        Some("stages") => {
            let mut runs = 15;
            let mut dirs = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                if arg == "--runs" {
                    runs = rest
                        .next()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or_else(|| usage());
                } else {
                    dirs.push(PathBuf::from(arg));
                }
            }
            if dirs.is_empty() || runs == 0 {
                usage();
            }
            stages(&dirs, runs);
        }
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_generate stages [--runs R] DIR... | bench_generate generate [--standalone CRATE] DIR OUT"
    );
    std::process::exit(2)
}

/// What `client/build.rs` passes with kdocs-client's default features.
fn build_script_settings() -> Settings {
    Settings::new()
        .with_runtime_path("crate::runtime")
        .with_client_type("crate::Client")
        .with_doc_examples("kdocs_client")
}

/// One generation of `dir` into `out`; adds each stage's milliseconds to
/// `times` and returns the number of endpoints and of lines written.
fn generate(dir: &Path, out: &Path, settings: &Settings, times: &mut [f64; 5]) -> (usize, usize) {
    let fail = |d: kdocs_codegen::Diagnostics| -> ! {
        eprint!("{d}");
        std::process::exit(1)
    };
    let mut clock = Instant::now();
    let mut lap = |stage: usize| {
        let now = Instant::now();
        times[stage] += (now - clock).as_secs_f64() * 1000.0;
        clock = now;
    };
    let files = load::load_dir(dir).unwrap_or_else(|d| fail(d));
    lap(0);
    let spec = validate::validate(&files).unwrap_or_else(|d| fail(d));
    lap(1);
    let model = model::build(&spec);
    lap(2);
    let text = emit::emit_text(&model, settings);
    lap(3);
    std::fs::write(out, &text).unwrap_or_else(|e| {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1)
    });
    lap(4);
    (spec.endpoints.len(), text.lines().count())
}

fn stages(dirs: &[PathBuf], runs: usize) {
    let out = std::env::temp_dir().join(format!("kdocs-bench-generate-{}.rs", std::process::id()));
    let settings = build_script_settings();
    // One warm-up run each (file cache, allocator), not counted.
    for dir in dirs {
        generate(dir, &out, &settings, &mut [0.0; 5]);
    }
    let mut samples: Vec<Vec<[f64; 5]>> = vec![Vec::with_capacity(runs); dirs.len()];
    let mut sizes = vec![(0, 0); dirs.len()];
    for _ in 0..runs {
        for (i, dir) in dirs.iter().enumerate() {
            let mut times = [0.0; 5];
            sizes[i] = generate(dir, &out, &settings, &mut times);
            samples[i].push(times);
        }
    }
    let _ = std::fs::remove_file(&out);
    println!(
        "| endpoints | {} | total | lines | lines/endpoint |",
        STAGES.join(" | ")
    );
    println!("|---:|{}---:|---:|---:|", "---:|".repeat(STAGES.len()));
    for (i, runs) in samples.iter().enumerate() {
        let (endpoints, lines) = sizes[i];
        let stage = |s: usize| median(runs.iter().map(|t| t[s]).collect());
        let total = median(runs.iter().map(|t| t.iter().sum()).collect());
        let cells: Vec<String> = (0..STAGES.len())
            .map(|s| format!("{:.1} ms", stage(s)))
            .collect();
        println!(
            "| {endpoints} | {} | {total:.1} ms | {lines} | {:.0} |",
            cells.join(" | "),
            lines as f64 / endpoints.max(1) as f64
        );
    }
    println!("\n(medians of {runs} runs per folder, folders interleaved; total is the median of the per-run sums)");
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}
