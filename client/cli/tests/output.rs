//! What the command prints: `--jq` on an answer and on `auth status`, the
//! log of `-v`/`-vv`/`RUST_LOG` on stderr with no secret in it, the upload
//! progress bar on a terminal.

mod common;

use common::{run, stderr, stdout, with, Fake};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jq_filters_answers_and_auth_status() {
    let fake = Fake::start().await;
    let output = run(&["user", "get-user-info", "--jq", ".id.open_id"], &fake.env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let quoted = stdout(&output);
    assert!(
        quoted.starts_with('"') && quoted.ends_with("\"\n"),
        "{quoted}"
    );
    let output = run(&["get-user-info", "--jq", ".id.open_id", "-r"], &fake.env).await;
    assert_eq!(
        stdout(&output),
        quoted[1..quoted.len() - 2].to_owned() + "\n"
    );

    let store = fake.config_dir.path().join("tokens.sqlite");
    let env = with(&fake.env, "KDOCS_TOKEN_STORE", store.to_str().unwrap());
    let output = run(&["auth", "status", "--jq", ".accounts | length"], &env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "0\n");
    let output = run(&["--jq", ".app_id", "-r", "auth", "status"], &env).await;
    assert_eq!(stdout(&output).trim(), fake.fake.app_id());

    // A filter that is not jq, and -r without --jq: usage errors, no call.
    let calls = fake.fake.stats().calls_to("get_user_info");
    for args in [
        &["get-user-info", "--jq", ".id["][..],
        &["get-user-info", "-r"],
    ] {
        let output = run(args, &fake.env).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(fake.fake.stats().calls_to("get_user_info"), calls);
    fake.fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_on_stderr_shows_the_calls_and_no_secret() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "logged upload").unwrap();
    let secrets = [fake.fake.app_key().to_owned(), fake.access_token()];
    let calls: [&[&str]; 2] = [
        &["-vv", "get-user-info"],
        &[
            "upload-appspace-file",
            "--file",
            path.to_str().unwrap(),
            "-vv",
        ],
    ];
    for args in calls {
        let output = run(args, &fake.env).await;
        assert!(output.status.success(), "{}", stderr(&output));
        let log = stderr(&output);
        assert!(log.contains("kdocs_call"), "{args:?}: {log}");
        assert!(log.contains("status=200"), "{args:?}: {log}");
        for secret in &secrets {
            assert!(
                !log.contains(secret.as_str()),
                "{args:?}: a secret in {log}"
            );
        }
    }
    // RUST_LOG at trace for everything: the HTTP client's logs too.
    let env = with(&fake.env, "RUST_LOG", "trace");
    let output = run(&["get-user-info"], &env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("TRACE"), "{log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret in {log}");
    }
    // Without -v or RUST_LOG, nothing.
    let output = run(&["get-user-info"], &fake.env).await;
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    fake.fake.shutdown().await;
}

/// `kdocs args…` with stderr a terminal (`script` gives it one), the output
/// of both streams.
#[cfg(unix)]
fn on_a_terminal(args: &[&str], env: &common::Env) -> String {
    let line = std::iter::once(common::BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let output = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("RUST_LOG")
        .envs(env.iter().map(|(n, v)| (n, v)))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) gives the command a terminal");
    assert!(output.status.success(), "{}", stdout(&output));
    stdout(&output)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_draws_a_progress_bar_on_a_terminal() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, vec![7u8; 3 * 1024 * 1024]).unwrap();
    let file = path.to_str().unwrap().to_owned();
    let env = fake.env.clone();
    let (drawn, quiet) = tokio::task::spawn_blocking(move || {
        let upload = [
            "appspace",
            "upload-appspace-file",
            "--file",
            &file,
            "--compact",
        ];
        let drawn = on_a_terminal(&upload, &env);
        let mut quiet_args = upload.to_vec();
        quiet_args.push("--no-progress");
        (drawn, on_a_terminal(&quiet_args, &env))
    })
    .await
    .unwrap();
    // The bar shows the body's size (the file and its multipart framing).
    assert!(drawn.contains("/3.00 MiB"), "{drawn:?}");
    assert!(drawn.contains("\"filename\":\"big.bin\""), "{drawn:?}");
    assert!(!quiet.contains("MiB"), "{quiet:?}");
    assert!(quiet.contains("\"filename\":\"big.bin\""), "{quiet:?}");
    assert_eq!(fake.fake.stats().calls_to("upload_appspace_file"), 2);
    fake.fake.shutdown().await;
}
