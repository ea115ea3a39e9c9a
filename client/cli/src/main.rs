//! `kdocs`: every Kingsoft Docs (kdocs) endpoint as a subcommand, a fake
//! kdocs server and a demo. See the `kdocs_cli` library for what it does.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kdocs_cli::run(std::env::args_os()).await
}
