//! `kdocs-codegen`: the maintainer's command for the api-spec.
//!
//! ```text
//! cargo run -p kdocs-codegen -- check api-spec     # diagnostics, exit 1 on errors
//! cargo run -p kdocs-codegen -- print api-spec     # the generated Rust
//! cargo run -p kdocs-codegen -- openapi api-spec   # an OpenAPI 3.0.3 document (JSON)
//! cargo run -p kdocs-codegen -- synth --endpoints 1000 --out /tmp/synth [--openapi /tmp/synth.json]
//! ```

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kdocs_codegen::{Diagnostics, Settings};

/// Validate the kdocs api-spec YAML, print the Rust generated from it, or export it as OpenAPI.
#[derive(Parser, Debug)]
#[command(name = "kdocs-codegen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a spec folder: print every error with its place, exit 1 if there is one.
    Check {
        /// The folder holding the spec's `*.yaml` files (e.g. `api-spec`).
        dir: PathBuf,
    },
    /// Print the Rust code generated from a spec folder.
    Print {
        /// The folder holding the spec's `*.yaml` files.
        dir: PathBuf,
        /// The path of the runtime module in the generated code.
        #[arg(long, default_value = "crate::runtime")]
        runtime_path: String,
        /// Implement the methods on this type instead of a generated `Client`
        /// wrapper; `none` generates the wrapper.
        #[arg(long, default_value = "crate::runtime::Client")]
        client_type: String,
    },
    /// Print an OpenAPI 3.0.3 document (JSON) of a spec folder.
    Openapi {
        /// The folder holding the spec's `*.yaml` files.
        dir: PathBuf,
    },
    /// Write a synthetic spec of N endpoints with realistic shapes (for benchmarks).
    Synth {
        /// How many endpoints.
        #[arg(long)]
        endpoints: usize,
        /// The folder to write the `*.yaml` files into (created; files of an
        /// earlier run are replaced, any other YAML file there is an error).
        #[arg(long)]
        out: PathBuf,
        /// Also write the same API as OpenAPI 3.0.3 JSON to this file.
        #[arg(long)]
        openapi: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cwd = std::env::current_dir().unwrap_or_default();
    let fail = |diagnostics: Diagnostics| {
        eprint!("{}", render(&diagnostics, &cwd));
        ExitCode::FAILURE
    };
    match cli.command {
        Command::Check { dir } => match kdocs_codegen::check_dir(&dir) {
            Ok(spec) => {
                let mut out = String::new();
                let _ = writeln!(
                    out,
                    "ok: {} is valid: {} endpoint{}, {} named type{}, {} error code{}",
                    dir.display(),
                    spec.endpoints.len(),
                    plural(spec.endpoints.len()),
                    spec.types.len(),
                    plural(spec.types.len()),
                    spec.errors.len(),
                    plural(spec.errors.len()),
                );
                let families = spec.families();
                if !families.is_empty() {
                    let _ = writeln!(out, "\n{:<12} endpoints", "family");
                    for family in families {
                        let count = spec
                            .endpoints
                            .iter()
                            .filter(|e| e.family.as_deref() == Some(family))
                            .count();
                        let _ = writeln!(out, "{family:<12} {count:>9}");
                    }
                    let none = spec.endpoints.iter().filter(|e| e.family.is_none()).count();
                    if none > 0 {
                        let _ = writeln!(out, "{:<12} {none:>9}", "(no family)");
                    }
                }
                write_stdout(&out)
            }
            Err(diagnostics) => fail(diagnostics),
        },
        Command::Print {
            dir,
            runtime_path,
            client_type,
        } => {
            let mut settings = Settings::new().with_runtime_path(&runtime_path);
            if client_type != "none" {
                settings = settings.with_client_type(&client_type);
            }
            match kdocs_codegen::generate_dir(&dir, &settings) {
                Ok(code) => write_stdout(&code),
                Err(diagnostics) => fail(diagnostics),
            }
        }
        Command::Openapi { dir } => match kdocs_codegen::check_dir(&dir) {
            Ok(spec) => write_stdout(&kdocs_codegen::openapi::to_json(&spec)),
            Err(diagnostics) => fail(diagnostics),
        },
        Command::Synth {
            endpoints,
            out,
            openapi,
        } => synth(endpoints, &out, openapi.as_deref(), fail),
    }
}

fn synth(
    endpoints: usize,
    out: &Path,
    openapi: Option<&Path>,
    fail: impl Fn(Diagnostics) -> ExitCode,
) -> ExitCode {
    use kdocs_codegen::synthetic;
    if endpoints == 0 {
        eprintln!("error: --endpoints must be at least 1");
        return ExitCode::FAILURE;
    }
    let files = match synthetic::write_dir(endpoints, out) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    };
    // What was written is checked as `check` would.
    let spec = match kdocs_codegen::check_dir(out) {
        Ok(spec) => spec,
        Err(diagnostics) => return fail(diagnostics),
    };
    println!(
        "wrote {} files to {}: {} endpoints, {} named types",
        files.len(),
        out.display(),
        spec.endpoints.len(),
        spec.types.len()
    );
    if let Some(path) = openapi {
        if let Err(e) = std::fs::write(path, kdocs_codegen::openapi::to_json(&spec)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote the same API as OpenAPI 3.0.3 to {}", path.display());
    }
    ExitCode::SUCCESS
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an
/// error, any other failure is.
fn write_stdout(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Coloured on a terminal (unless `NO_COLOR` is set), plain when redirected.
fn render(diagnostics: &Diagnostics, cwd: &Path) -> String {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if colour {
        diagnostics.render_styled_relative_to(cwd)
    } else {
        diagnostics.render_relative_to(cwd)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
