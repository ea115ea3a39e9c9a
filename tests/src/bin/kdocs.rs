//! `kdocs`: the project's command.
//!
//! - `kdocs demo` calls every endpoint step by step, against an in-process fake
//!   kdocs server, or against the server named by `KDOCS_BASE_URL` (with
//!   `KDOCS_APP_ID`, `KDOCS_APP_KEY`, `KDOCS_FILE_TOKEN`, `KDOCS_ACCESS_TOKEN`,
//!   `KDOCS_ANONYMOUS_TOKEN`); exits 1 if any call fails.
//! - `kdocs fake --addr 127.0.0.1:PORT` serves the fake kdocs until stopped and
//!   prints one JSON line with the values the demo reads.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use kdocs_tests::demo::{self, DemoTarget};

#[derive(Parser)]
#[command(
    name = "kdocs",
    version,
    about = "Kingsoft Docs (kdocs) client: demo and fake server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Call every kdocs endpoint step by step (in-process fake unless KDOCS_BASE_URL is set).
    Demo,
    /// Serve a stateful fake kdocs on a loopback address until stopped.
    Fake {
        /// Address to listen on; must be a loopback address.
        #[arg(long, default_value = "127.0.0.1:8470")]
        addr: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => run_demo().await,
        Command::Fake { addr } => run_fake(addr).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run_demo() -> Result<ExitCode, String> {
    let mut out = std::io::stdout();
    let report = match DemoTarget::from_env()? {
        Some(target) => demo::run(&target, &mut out).await,
        None => demo::run_in_process(&mut out).await,
    }
    .map_err(|e| format!("demo output failed: {e}"))?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run_fake(addr: SocketAddr) -> Result<ExitCode, String> {
    let fake = FakeKdocs::start(FakeConfig::default().with_addr(addr))
        .await
        .map_err(|e| format!("cannot start the fake kdocs on {addr}: {e}"))?;
    println!("{}", DemoTarget::seed_fake(&fake).to_json_line());
    eprintln!(
        "fake kdocs serving on {}; press Ctrl-C to stop",
        fake.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    fake.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
