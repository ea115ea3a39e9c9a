//! What the tests of the `kdocs` binary share: running it as a user does,
//! with only the `KDOCS_*` variables a test gives, against a fake kdocs, with
//! a config folder of the test's own.

// Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use kdocs_cli::demo::DemoTarget;
use kdocs_client::fake::{FakeConfig, FakeKdocs};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kdocs");

/// Variables, as (name, value).
pub type Env = Vec<(String, String)>;

/// `kdocs args…` with the variables `env`, no other `KDOCS_*` variable and
/// no `RUST_LOG`.
pub fn kdocs(args: &[&str], env: &Env) -> Output {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("KDOCS_") {
            command.env_remove(name);
        }
    }
    command
        .env_remove("RUST_LOG")
        .args(args)
        .envs(env.iter().map(|(n, v)| (n, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// [`kdocs`], off the test's runtime (the fake serves on it meanwhile).
pub async fn run(args: &[&str], env: &Env) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env = env.clone();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kdocs(&args, &env)
    })
    .await
    .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `env` with one more variable.
pub fn with(env: &Env, name: &str, value: &str) -> Env {
    let mut env: Env = env.iter().filter(|(n, _)| n != name).cloned().collect();
    env.push((name.to_owned(), value.to_owned()));
    env
}

/// `env` without `name`.
pub fn without(env: &Env, name: &str) -> Env {
    env.iter().filter(|(n, _)| n != name).cloned().collect()
}

/// A fake with a user token, its `KDOCS_*` values and a config folder of
/// the test's own (`KDOCS_CONFIG_DIR`).
pub struct Fake {
    pub fake: FakeKdocs,
    pub target: DemoTarget,
    pub env: Env,
    pub config_dir: tempfile::TempDir,
}

impl Fake {
    pub async fn start() -> Self {
        let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
        let target = DemoTarget::seed_fake(&fake);
        let config_dir = tempfile::tempdir().unwrap();
        let mut env: Env = target
            .env()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        env.push((
            "KDOCS_CONFIG_DIR".into(),
            config_dir.path().to_str().unwrap().to_owned(),
        ));
        Fake {
            fake,
            target,
            env,
            config_dir,
        }
    }

    /// The user access token the fake issued.
    pub fn access_token(&self) -> String {
        self.target.access_token.clone().unwrap()
    }

    /// Writes the config file with `mode`.
    pub fn write_config(&self, text: &str, mode: u32) {
        write_private(&self.config_dir.path().join("config.toml"), text, mode);
    }
}

/// Writes `text` to `path` with the permissions `mode` (on Unix).
pub fn write_private(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = mode;
}
