//! The command as a shell user meets it: completions that load in bash and
//! complete a family's operations, a man page, families as groups with the
//! flat names kept, honest usage lines.

mod common;

use common::{kdocs, run, stderr, stdout, Env, Fake};

#[test]
fn bash_loads_the_completions_and_completes_a_familys_operations() {
    let output = kdocs(&["completions", "bash"], &Env::new());
    assert!(output.status.success());
    assert!(stdout(&output).contains("_kdocs"));
    // What a user's ~/.bashrc does, then a completion of `kdocs appspace get-app<TAB>`.
    let script = format!(
        "source <('{bin}' completions bash) && complete -p kdocs && \
         COMP_WORDS=(kdocs appspace get-app) COMP_CWORD=2 && _kdocs kdocs get-app appspace && \
         printf 'reply %s\\n' \"${{COMPREPLY[@]}}\" && \
         COMP_WORDS=(kdocs per) COMP_CWORD=1 && _kdocs kdocs per kdocs && \
         printf 'reply %s\\n' \"${{COMPREPLY[@]}}\"",
        bin = common::BIN
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("complete "), "{text}");
    assert!(text.contains("-F _kdocs kdocs"), "{text}");
    let replies: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("reply "))
        .collect();
    for op in [
        "get-appspace-file-info",
        "get-appspace-file-version",
        "get-appspace-version-download-url",
        "personal",
    ] {
        assert!(replies.contains(&op), "{op} not in {replies:?}");
    }
    assert!(!replies.contains(&"get-download-url"), "{replies:?}");
}

#[test]
fn every_shell_and_the_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = kdocs(&["completions", shell], &Env::new());
        assert!(output.status.success(), "{shell}");
        assert!(stdout(&output).contains("list-personal-files"), "{shell}");
    }
    let output = kdocs(&["completions", "tcsh"], &Env::new());
    assert_eq!(output.status.code(), Some(2));
    let output = kdocs(&["man"], &Env::new());
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(
        page.contains(".TH kdocs 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("Exit status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_runs_by_its_family_or_its_own_name() {
    let fake = Fake::start().await;
    let token = fake.fake.add_file("report.docx", b"hello".to_vec());
    let calls: [&[&str]; 2] = [
        &[
            "appspace",
            "get-appspace-file-info",
            "--file-token",
            &token,
            "--compact",
        ],
        &[
            "get-appspace-file-info",
            "--file-token",
            &token,
            "--compact",
            "--jq",
            ".",
        ],
    ];
    for args in calls {
        let output = run(args, &fake.env).await;
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let info: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(info["file_token"], token.as_str());
    }
    // Global options before the command, and before the family.
    let output = run(
        &[
            "--compact",
            "appspace",
            "get-appspace-file-info",
            "--file-token",
            &token,
        ],
        &fake.env,
    )
    .await;
    assert_eq!(stdout(&output).lines().count(), 1, "{}", stderr(&output));
    let output = run(&["--paginate", "get-user-info"], &fake.env).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`--paginate` does nothing for `kdocs get-user-info`"),
        "{}",
        stderr(&output)
    );
    fake.fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_lines_list_only_what_the_command_needs() {
    let fake = Fake::start().await;
    // Credentials from the environment are not flags that were given.
    let output = run(&["appspace", "get-appspace-file-info"], &fake.env).await;
    assert_eq!(output.status.code(), Some(2));
    let usage = stderr(&output);
    assert!(
        usage.contains("Usage: kdocs appspace get-appspace-file-info --file-token <FILE_TOKEN>\n"),
        "{usage}"
    );
    for flag in ["--base-url", "--app-id", "--app-key", "--access-token"] {
        assert!(!usage.contains(flag), "{flag} in {usage}");
    }
    // The top-level usage names the families; `kdocs fake` shows no option
    // it would ignore.
    let help = stdout(&kdocs(&["--help"], &Env::new()));
    assert!(
        help.contains("Usage: kdocs [OPTIONS] <FAMILY> <OPERATION> [FLAGS]"),
        "{help}"
    );
    let fake_help = stdout(&kdocs(&["fake", "--help"], &Env::new()));
    for flag in ["--base-url", "--app-key", "--jq", "--profile"] {
        assert!(!fake_help.contains(flag), "{flag} in {fake_help}");
    }
    let family_help = stdout(&kdocs(&["personal", "--help"], &Env::new()));
    assert!(
        family_help.contains("Usage: kdocs personal <OPERATION>"),
        "{family_help}"
    );
    fake.fake.shutdown().await;
}
