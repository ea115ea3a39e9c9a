//! A real `redis-server` (the Debian package of that name) on 127.0.0.1,
//! started by a test on a free port in a folder of its own, and stopped when
//! dropped.
//!
//! Under `CI=true` a missing `redis-server` fails the test: the Redis
//! store's checks are never skipped there (`.ci/run` installs the package).
//! Elsewhere [`RedisServer::start_or_skip`] says why it skips.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program, found on `PATH`.
pub const PROGRAM: &str = "redis-server";

/// How long a start may take before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `redis-server`; dropped, it is killed and its folder removed.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server, or `None` with a line on stderr when `redis-server`
    /// is not installed and `CI` is not `true` (under `CI=true`, panics).
    pub fn start_or_skip(test: &str) -> Option<RedisServer> {
        if !installed() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{PROGRAM} is not installed; under CI=true the Redis tests never skip \
                 (.ci/run installs the Debian package redis-server)"
            );
            eprintln!("{test}: skipped, {PROGRAM} is not installed (apt-get install redis-server)");
            return None;
        }
        Some(Self::start())
    }

    /// Starts a server on a free port; panics when it does not come up.
    pub fn start() -> RedisServer {
        let dir = tempfile::tempdir().expect("a temporary folder for redis-server");
        let port = free_port();
        let mut server = RedisServer {
            child: None,
            port,
            dir,
        };
        server.restart();
        server
    }

    /// The server's `redis://` URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Stops the server (SIGKILL: what a crash does; the append-only file,
    /// written at every command, keeps what it had).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and folder (after [`stop`](Self::stop)).
    pub fn restart(&mut self) {
        self.stop();
        let child = spawn(self.port, self.dir.path());
        self.child = Some(child);
        wait_until_up(self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn installed() -> bool {
    Command::new(PROGRAM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A port nothing listens on now (the OS picks it; a race with another
/// program taking it before redis-server does is possible and fails loudly).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn spawn(port: u16, dir: &Path) -> Child {
    Command::new(PROGRAM)
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .arg("--dir")
        .arg(dir)
        // No snapshots; an append-only file synced at every write, so that a
        // restart finds what a crash left.
        .args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ])
        .args([
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {PROGRAM}: {e}"))
}

fn wait_until_up(port: u16) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if ping(addr) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{PROGRAM} did not answer PING on {addr} within {START_TIMEOUT:?}");
}

fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}
