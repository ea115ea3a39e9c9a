//! The `kdocs` binary, run as a user runs it: against a fake kdocs server
//! (in this process, or `kdocs fake` in another), with `KDOCS_*` variables.

use std::io::BufRead;
use std::process::{Command, Output, Stdio};

use kdocs_cli::demo::{self, DemoTarget};
use kdocs_client::fake::{FakeConfig, FakeKdocs};

const BIN: &str = env!("CARGO_BIN_EXE_kdocs");

/// `kdocs args…` with the variables `env` and no other `KDOCS_*` variable,
/// in a config folder of its own (a user call given no token opens the
/// default token store there, not in the user's).
fn kdocs(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("KDOCS_") {
            command.env_remove(name);
        }
    }
    let config_dir = tempfile::tempdir().unwrap();
    // No log unless a test asks: a developer's RUST_LOG would write on stderr.
    command
        .env_remove("RUST_LOG")
        .env("KDOCS_CONFIG_DIR", config_dir.path())
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fake with a user token, and its `KDOCS_*` values.
async fn fake() -> (FakeKdocs, DemoTarget) {
    let fake = FakeKdocs::start(FakeConfig::default()).await.unwrap();
    let target = DemoTarget::seed_fake(&fake);
    (fake, target)
}

/// Runs `kdocs` off the test's runtime (the fake serves on it meanwhile).
async fn run(args: &[&str], target: &DemoTarget) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = target
        .env()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        kdocs(&args, &env)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_answers_json_on_stdout() {
    let (fake, target) = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello from the command line").unwrap();

    // A multipart upload with a repeated list flag.
    let output = run(
        &[
            "upload-appspace-file",
            "--file",
            path.to_str().unwrap(),
            "--parent-path",
            "team",
            "--parent-path",
            "notes",
            "--compact",
        ],
        &target,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let answer: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(answer["filename"], "notes.txt");
    assert_eq!(stdout(&output).lines().count(), 1, "--compact is one line");
    let file_token = answer["file_token"].as_str().unwrap().to_owned();

    // The same document through another operation, indented JSON.
    let output = run(
        &["get-appspace-file-info", "--file-token", &file_token],
        &target,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let info: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(info["file_token"], file_token.as_str());
    assert!(stdout(&output).lines().count() > 1);

    // A user call takes KDOCS_ACCESS_TOKEN.
    let output = run(&["get-user-info"], &target).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fake.stats().calls_to("get_user_info"), 1);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_go_to_stderr_with_their_exit_status_and_no_secret() {
    let (fake, target) = fake().await;
    let secrets = [target.app_key.clone(), target.access_token.clone().unwrap()];

    // A call the server refuses (no such file): status 4, the error on
    // stderr, nothing on stdout.
    let output = run(
        &["get-appspace-file-info", "--file-token", "no-such-file"],
        &target,
    )
    .await;
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).starts_with("error: "),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("get_appspace_file_info"));

    // A missing flag: status 2, from clap.
    let output = run(&["get-appspace-file-info"], &target).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--file-token"),
        "{}",
        stderr(&output)
    );

    // A value of the wrong type: status 2, naming the flag.
    let output = run(&["list-personal-files", "--count", "many"], &target).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("`--count`"), "{}", stderr(&output));

    // No app key for a signed call: status 2, naming the variable.
    let mut without_key = target.clone();
    without_key.app_key.clear();
    let output = run(
        &["get-appspace-file-info", "--file-token", "x"],
        &without_key,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("KDOCS_APP_KEY"),
        "{}",
        stderr(&output)
    );

    // No access token for a user call: status 2, naming the variable.
    let mut without_token = target.clone();
    without_token.access_token = None;
    let output = run(&["get-user-info"], &without_token).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("KDOCS_ACCESS_TOKEN"),
        "{}",
        stderr(&output)
    );

    // The help of a command shows no secret's value.
    let output = run(&["get-user-info", "--help"], &target).await;
    assert!(output.status.success());
    for secret in &secrets {
        assert!(!stdout(&output).contains(secret.as_str()));
    }
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_writes_the_file_and_draws_no_bar_when_piped() {
    let (fake, target) = fake().await;
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let file_token = fake.add_file("big.bin", content.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");

    let output = run(
        &[
            "download",
            "--file-token",
            &file_token,
            "--output",
            path.to_str().unwrap(),
        ],
        &target,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read(&path).unwrap(), content);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["bytes"], 300_000);
    // stderr is a pipe here: no progress bar, nothing at all.
    assert!(stderr(&output).is_empty(), "{:?}", stderr(&output));

    // To stdout: the content there, the report on stderr.
    let output = run(
        &["download", "--file-token", &file_token, "--output", "-"],
        &target,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(output.stdout, content);
    let report: serde_json::Value = serde_json::from_str(stderr(&output).trim()).unwrap();
    assert_eq!(report["file"], "-");

    // Over the limit: status 1, no file left behind.
    let small = dir.path().join("small.bin");
    let output = run(
        &[
            "download",
            "--file-token",
            &file_token,
            "-o",
            small.to_str().unwrap(),
            "--max-bytes",
            "1000",
        ],
        &target,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!small.exists());
    fake.shutdown().await;
}

/// Kills the child process (one this test started) when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kdocs fake` on a free port with `args`, and returns it with its
/// first lines of output (up to a blank stdout).
fn kdocs_fake(args: &[&str], lines: usize) -> (KillOnDrop, Vec<String>) {
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["fake", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut reader = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut out = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        out.push(line.trim_end().to_owned());
    }
    (child, out)
}

/// The `KDOCS_*` variables from the JSON line `kdocs fake` prints.
fn env_from_json_line(line: &str) -> Vec<(String, String)> {
    let values: serde_json::Value = serde_json::from_str(line).unwrap();
    demo::ENV_VARS
        .iter()
        .filter_map(|name| {
            let key = name.trim_start_matches("KDOCS_").to_ascii_lowercase();
            let value = values[&key].as_str()?;
            Some((name.to_string(), value.to_owned()))
        })
        .collect()
}

#[test]
fn kdocs_fake_then_kdocs_demo_with_the_printed_values() {
    let (fake, lines) = kdocs_fake(&[], 1);
    let env = env_from_json_line(&lines[0]);
    assert_eq!(env.len(), demo::ENV_VARS.len(), "{env:?}");
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let output = kdocs(&["demo"], &env);
    assert!(
        output.status.success(),
        "kdocs demo failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("kdocs demo against http://127.0.0.1:"));

    // The anonymous token was used up: a second run says so.
    let output = kdocs(&["demo"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("KDOCS_ANONYMOUS_TOKEN is good for one demo run"),
        "{}",
        stdout(&output)
    );
    drop(fake);
}

#[test]
fn kdocs_fake_export_lines_drive_an_operation_through_a_shell() {
    let (fake, lines) = kdocs_fake(&["--export"], demo::ENV_VARS.len());
    for (line, name) in lines.iter().zip(demo::ENV_VARS) {
        assert!(line.starts_with(&format!("export {name}='")), "{line}");
    }
    let script = format!("{}\n\"{BIN}\" get-user-info --compact", lines.join("\n"));
    let output = Command::new("sh")
        .args(["-c", &script])
        .env_remove("KDOCS_BASE_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let user: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert!(user["id"]["open_id"].is_string(), "{user}");
    drop(fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_values_drive_the_demo_in_process() {
    // What `kdocs fake` does, in-process: start, seed, print one JSON line.
    let (fake, seeded) = fake().await;
    let line = seeded.to_json_line();
    assert_eq!(line.lines().count(), 1);
    // What `kdocs demo` does with KDOCS_* set.
    let env = env_from_json_line(&line);
    let target =
        DemoTarget::from_lookup(|name| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
            .unwrap()
            .expect("KDOCS_BASE_URL is set");
    let mut out = Vec::new();
    let report = demo::run(&target, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(report.ok(), "{text}");
    for secret in [
        &seeded.app_key,
        seeded.access_token.as_ref().unwrap(),
        seeded.anonymous_token.as_ref().unwrap(),
    ] {
        assert!(!text.contains(secret.as_str()));
    }
    fake.shutdown().await;
}

/// Whether a help's command list has `name` (a line `  name  about…`, or
/// `  name` alone when the about is wrapped below it).
fn lists(help: &str, name: &str) -> bool {
    help.lines().any(|line| {
        line.strip_prefix("  ")
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

#[test]
fn help_lists_the_families_and_each_family_its_operations() {
    let output = kdocs(&["--help"], &[]);
    assert!(output.status.success());
    let help = stdout(&output);
    for own in ["auth", "download", "fake", "demo", "completions", "man"] {
        assert!(lists(&help, own), "{own}: {help}");
    }
    let mut helps = std::collections::HashMap::new();
    for operation in kdocs_cli::operations::all() {
        let family = operation.spec.family.unwrap();
        assert!(lists(&help, family), "{family}: {help}");
        // Each operation once, in its family: the top-level alias is hidden.
        assert!(
            !lists(&help, &operation.subcommand()),
            "{}",
            operation.spec.name
        );
        let family_help = helps.entry(family).or_insert_with(|| {
            let output = kdocs(&[family, "--help"], &[]);
            assert!(output.status.success());
            stdout(&output)
        });
        assert!(
            lists(family_help, &operation.subcommand()),
            "{family} --help lacks {}",
            operation.spec.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_refuses_a_blank_output_and_one_that_is_not_a_file() {
    let (fake, target) = fake().await;
    let file_token = fake.add_file("a.txt", b"hello".to_vec());
    let dir = tempfile::tempdir().unwrap();
    for output in ["", dir.path().to_str().unwrap()] {
        let run_output = run(
            &["download", "--file-token", &file_token, "--output", output],
            &target,
        )
        .await;
        assert_eq!(run_output.status.code(), Some(2), "{}", stderr(&run_output));
    }
    // The folder is still a folder, and no request was made for it.
    assert!(dir.path().is_dir());
    assert_eq!(fake.stats().calls_to("get_download_url"), 0);
    fake.shutdown().await;
}
