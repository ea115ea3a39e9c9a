//! Runtime benchmarks of kdocs-client, one command each:
//!
//! ```sh
//! cargo run --release -p kdocs-bench-runtime -- calls      # per-call overhead and allocations
//! cargo run --release -p kdocs-bench-runtime -- sign       # one WPS-2 signature
//! cargo run --release -p kdocs-bench-runtime -- download   # peak RSS of a 1 GiB download
//! cargo run --release -p kdocs-bench-runtime -- tokens     # token stores: fresh reads, a coordinated refresh
//! ```
//!
//! Servers run in child processes of this binary (`serve`), and each download
//! in a fresh one (`download-client`). Every loop is bounded in count and
//! time; nothing here asserts a figure. BENCHMARKS.md has the results.

mod alloc;
mod calls;
mod download;
mod handwritten;
mod server;
mod sign;
mod stats;
mod tokens;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

#[derive(Parser)]
#[command(
    name = "kdocs-bench-runtime",
    about = "Runtime benchmarks of kdocs-client"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Signed calls/s, generated client against a hand-written reqwest call; allocations per call.
    Calls(calls::CallsArgs),
    /// One WPS-2 signature, the client's signer against a hand-written one.
    Sign(sign::SignArgs),
    /// Peak RSS added by a large download through the fake kdocs in another process.
    Download(download::DownloadArgs),
    /// (internal) Serve the minimal server or the fake until standard input closes.
    #[command(hide = true)]
    Serve {
        #[arg(long, value_enum)]
        server: server::ServerKind,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long)]
        generated_bytes: Option<u64>,
    },
    /// (internal) One measured download.
    #[command(hide = true)]
    DownloadClient(download::ClientArgs),
    /// A fresh user token from each token store, and one refresh coordinated over four processes.
    Tokens(tokens::TokensArgs),
    /// (internal) One process of the coordinated refresh.
    #[command(hide = true)]
    TokenCallers(tokens::CallersArgs),
}

fn main() {
    match Cli::parse().command {
        Command::Calls(args) => calls::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Download(args) => download::run(&args),
        Command::Serve {
            server,
            threads,
            generated_bytes,
        } => server::serve(server, threads, generated_bytes),
        Command::DownloadClient(args) => download::client(&args),
        Command::Tokens(args) => tokens::run(&args),
        Command::TokenCallers(args) => tokens::callers(&args),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use kdocs_client::fake::{FakeConfig, FakeKdocs};

    use super::calls::{phase, same_answer, Callers, Variant};
    use super::server::{minimal, Target};

    /// Both callers make valid signed calls (the fake verifies every
    /// signature) and decode the same result; a short phase of each runs.
    /// No figure is checked: this only keeps the benchmark working.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_callers_work_against_the_fake_and_the_minimal_server() {
        let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
        let file_token = fake.add_file("report.docx", vec![1u8; 1000]);
        let target = Target {
            base_url: fake.base_url(),
            app_id: fake.app_id().to_owned(),
            app_key: fake.app_key().to_owned(),
            file_token,
        };
        let callers = Arc::new(Callers::new(&target, false));
        let generated = callers.call(Variant::Generated).await.unwrap();
        let hand = callers.call(Variant::HandWritten).await.unwrap();
        assert!(same_answer(&generated, &hand), "{generated:?} {hand:?}");
        assert!(generated.checksums.is_some());
        for variant in [Variant::Generated, Variant::HandWritten] {
            let measured = phase(&callers, variant, 4, 40, Duration::from_secs(30)).await;
            assert_eq!(measured.calls, 40);
        }
        let stats = fake.stats();
        assert_eq!(stats.calls_to("get_download_url"), 82);
        assert_eq!(stats.rejected_calls, 0);
        fake.shutdown().await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(minimal(listener, async {
            let _ = stopped.await;
        }));
        let callers = Arc::new(Callers::new(&Target { base_url, ..target }, false));
        let generated = callers.call(Variant::Generated).await.unwrap();
        assert_eq!(generated, callers.call(Variant::HandWritten).await.unwrap());
        assert!(generated
            .download_url
            .expose_str()
            .contains("/fake/download/"));
        drop(stop);
        server.await.unwrap();
    }
}
