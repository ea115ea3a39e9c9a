//! The exit statuses that tell failures apart, and `--error-format json`:
//! 2 usage, 3 auth, 4 not found, 5 network, 1 any other failed call.

mod common;

use common::{run, stderr, stdout, with, Fake};
use serde_json::Value;

/// The JSON error object on stderr.
fn error_object(output: &std::process::Output) -> Value {
    let text = stderr(output);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let error = value["error"].clone();
    for key in ["kind", "message", "code", "status", "operation"] {
        assert!(error.get(key).is_some(), "no {key}: {text}");
    }
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_failure_has_its_status_and_object() {
    let fake = Fake::start().await;
    let json = ["--error-format", "json"];
    let cases: Vec<(Vec<&str>, common::Env, i32, &str)> = vec![
        // A missing flag.
        (
            vec!["appspace", "get-appspace-file-info"],
            fake.env.clone(),
            2,
            "usage",
        ),
        // A token the service refuses.
        (
            vec!["user", "get-user-info"],
            with(&fake.env, "KDOCS_ACCESS_TOKEN", "not-a-token-of-the-fake"),
            3,
            "auth",
        ),
        // A signature the service refuses.
        (
            vec!["get-appspace-file-info", "--file-token", "x"],
            with(&fake.env, "KDOCS_APP_KEY", "not-the-app-key"),
            3,
            "auth",
        ),
        // A file token the service does not know.
        (
            vec!["get-appspace-file-info", "--file-token", "no-such-file"],
            fake.env.clone(),
            4,
            "not_found",
        ),
        // A server that does not answer.
        (
            vec!["get-user-info"],
            with(&fake.env, "KDOCS_BASE_URL", "http://127.0.0.1:1"),
            5,
            "network",
        ),
    ];
    for (args, env, status, kind) in cases {
        let output = run(&args, &env).await;
        assert_eq!(
            output.status.code(),
            Some(status),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{args:?}");
        assert!(
            stderr(&output).starts_with("error: "),
            "{args:?}: {}",
            stderr(&output)
        );

        let mut with_json = json.to_vec();
        with_json.extend(&args);
        let output = run(&with_json, &env).await;
        assert_eq!(output.status.code(), Some(status), "{args:?}");
        let error = error_object(&output);
        assert_eq!(error["kind"], kind, "{args:?}: {error}");
        for secret in [fake.fake.app_key().to_owned(), fake.access_token()] {
            assert!(!error.to_string().contains(&secret), "{error}");
        }
    }
    fake.fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_object_carries_the_services_code_status_and_operation() {
    let fake = Fake::start().await;
    let output = run(
        &[
            "get-appspace-file-info",
            "--file-token",
            "no-such-file",
            "--error-format",
            "json",
        ],
        &fake.env,
    )
    .await;
    let error = error_object(&output);
    assert_eq!(error["status"], 404);
    assert!(error["code"].is_i64(), "{error}");
    assert_eq!(error["operation"], "get_appspace_file_info");

    // A usage error from the command line itself has none of them.
    let output = run(&["--error-format=json", "no-such-command"], &fake.env).await;
    assert_eq!(output.status.code(), Some(2));
    let error = error_object(&output);
    assert_eq!(error["kind"], "usage");
    assert_eq!(error["operation"], Value::Null);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no-such-command"),
        "{error}"
    );

    // Help is not an error.
    let output = run(&["--error-format", "json", "--help"], &fake.env).await;
    assert!(output.status.success());
    assert!(stderr(&output).is_empty());
    fake.fake.shutdown().await;
}
