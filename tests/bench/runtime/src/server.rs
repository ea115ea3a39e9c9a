//! The servers the benchmarks call, each run in a child process of the
//! benchmark binary so that its CPU time and allocations are not the
//! client's: a minimal hyper server with one fixed answer, and the fake kdocs.
//!
//! A server prints one JSON line (`base_url`, `app_id`, `app_key`,
//! `file_token`) and serves until its standard input closes, which happens
//! when the benchmark that started it ends, however it ends.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use kdocs_client::fake::{FakeConfig, FakeKdocs};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// What a started server tells its parent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Target {
    pub base_url: String,
    pub app_id: String,
    pub app_key: String,
    pub file_token: String,
}

/// The minimal server's one answer: a `get_download_url` success envelope
/// of the shape the fake gives.
pub const ANSWER: &str = r#"{"code":0,"data":{"download_url":"http://127.0.0.1/fake/download/4f9c0a8e6b1d2e3f5a7c9b0d1e2f3a4b","checksums":{"md5":"a3cca2b2aa1e3b5b3b5aad99a8529074","sha1":"0b8a9e5c1d6a4f0e2c3b7d9e8f1a2b3c4d5e6f70"},"sys_metadata":{"size":200000,"file_name":"report.docx"}}}"#;

/// Serves [`ANSWER`] to every request on 127.0.0.1 until `stop` resolves.
/// It does not check signatures: it is as cheap as a server gets, so that
/// the client's costs are what the figures compare.
pub async fn minimal(listener: TcpListener, stop: impl std::future::Future<Output = ()>) {
    let answer = Bytes::from_static(ANSWER.as_bytes());
    let accept = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_request: Request<hyper::body::Incoming>| {
                    let mut response = Response::new(Full::new(answer.clone()));
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    tokio::select! {
        _ = accept => {}
        _ = stop => {}
    }
}

/// Which server a benchmark calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerKind {
    /// The minimal hyper server: one fixed answer, no signature check.
    Minimal,
    /// The fake kdocs: checks every signature and counts quotas.
    Fake,
}

/// The child-process side: starts the server, prints its [`Target`], serves
/// until standard input closes.
pub fn serve(kind: ServerKind, threads: usize, generated_bytes: Option<u64>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let stdin_closed = async {
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut sink);
            })
            .await;
        };
        match kind {
            ServerKind::Minimal => {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1");
                let target = Target {
                    base_url: format!("http://{}", listener.local_addr().expect("address")),
                    app_id: "SX20240101BENCHMK".into(),
                    app_key: "bench-app-key-0123456789".into(),
                    file_token: "t2v4Ga8ZUYKc12KGMdEQpBh".into(),
                };
                announce(&target);
                minimal(listener, stdin_closed).await;
            }
            ServerKind::Fake => {
                let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(u32::MAX))
                    .await
                    .expect("the fake kdocs starts");
                let file_token = match generated_bytes {
                    Some(len) => fake.add_generated_file("generated.bin", len),
                    None => fake.add_file("report.docx", vec![7u8; 200_000]),
                };
                announce(&Target {
                    base_url: fake.base_url(),
                    app_id: fake.app_id().to_owned(),
                    app_key: fake.app_key().to_owned(),
                    file_token,
                });
                stdin_closed.await;
                fake.shutdown().await;
            }
        }
    });
}

fn announce(target: &Target) {
    println!("{}", serde_json::to_string(target).expect("JSON"));
}

/// A server in a child process; dropping it closes the child's standard
/// input (it exits) and waits for it.
pub struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    pub target: Target,
}

impl ChildServer {
    /// Starts `kdocs-bench-runtime serve …` (this binary) and reads its target.
    pub fn start(kind: ServerKind, threads: usize, generated_bytes: Option<u64>) -> Self {
        let exe = std::env::current_exe().expect("the benchmark binary's path");
        let mut command = Command::new(exe);
        command
            .arg("serve")
            .arg("--server")
            .arg(match kind {
                ServerKind::Minimal => "minimal",
                ServerKind::Fake => "fake",
            })
            .arg("--threads")
            .arg(threads.to_string());
        if let Some(len) = generated_bytes {
            command.arg("--generated-bytes").arg(len.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server process starts");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server's first line");
        let target = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the server's first line {line:?}: {e}"));
        Self {
            child,
            stdin,
            target,
        }
    }

    /// The server process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
