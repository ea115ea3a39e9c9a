//! The config file's profiles, as a user keeps them: settings from the
//! command line, then the `KDOCS_*` variables, then the profile, then the
//! defaults; an app key only in a file nobody else can read.

mod common;

use common::{run, stderr, stdout, with, without, Env, Fake};

/// The variables of a user who keeps the app in a profile: the config
/// folder and the user's token only.
fn profile_env(fake: &Fake) -> Env {
    vec![
        (
            "KDOCS_CONFIG_DIR".into(),
            fake.config_dir.path().to_str().unwrap().to_owned(),
        ),
        ("KDOCS_ACCESS_TOKEN".into(), fake.access_token()),
    ]
}

fn profile(base_url: &str, fake: &Fake) -> String {
    format!(
        "[profile.p]\nbase_url = \"{base_url}\"\napp_id = \"{}\"\napp_key = \"{}\"\n",
        fake.fake.app_id(),
        fake.fake.app_key()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_lists_personal_files_one_name_a_line() {
    let fake = Fake::start().await;
    fake.write_config(&profile(&fake.fake.base_url(), &fake), 0o600);
    let env = profile_env(&fake);
    let names = ["a.docx", "b.xlsx", "c.otl", "d.docx", "e.pptx"];
    for name in names {
        let output = run(
            &[
                "--profile",
                "p",
                "personal",
                "create-personal-file",
                "--filename",
                name,
                "--path-from-root",
                "true",
            ],
            &env,
        )
        .await;
        assert!(output.status.success(), "{}", stderr(&output));
    }
    // Two a page: three pages, one line per name. The spec names no items
    // for this list (its pages show no list field), so each page is an item
    // and the filter walks the page's files.
    let output = run(
        &[
            "--profile",
            "p",
            "list-personal-files",
            "--count",
            "2",
            "--paginate",
            "--jq",
            ".files[].fname",
            "-r",
        ],
        &env,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), names);
    assert_eq!(fake.fake.stats().calls_to("list_personal_files"), 3);

    // KDOCS_PROFILE names it too; without --paginate, one page.
    let env = with(&env, "KDOCS_PROFILE", "p");
    let output = run(
        &[
            "personal",
            "list-personal-files",
            "--count",
            "2",
            "--jq",
            ".next_offset",
        ],
        &env,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "2\n");
    fake.fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_win_over_variables_which_win_over_the_profile() {
    let fake = Fake::start().await;
    // The profile's server answers nothing: only another source can make
    // the call succeed.
    fake.write_config(
        &format!(
            "{}\n[default]\nbase_url = \"{}\"\napp_id = \"{}\"\n",
            profile("http://127.0.0.1:1", &fake),
            fake.fake.base_url(),
            fake.fake.app_id()
        ),
        0o600,
    );
    let env = profile_env(&fake);
    let call = [
        "--profile",
        "p",
        "user",
        "get-user-info",
        "--jq",
        ".id",
        "-r",
    ];

    let output = run(&call, &env).await;
    assert_eq!(
        output.status.code(),
        Some(5),
        "the profile's base URL: {}",
        stderr(&output)
    );

    let env = with(&env, "KDOCS_BASE_URL", &fake.fake.base_url());
    let output = run(&call, &env).await;
    assert!(
        output.status.success(),
        "the variable wins: {}",
        stderr(&output)
    );
    assert!(!stdout(&output).trim().is_empty());

    let mut flagged = call.to_vec();
    flagged.extend(["--base-url", "http://127.0.0.1:1"]);
    let output = run(&flagged, &env).await;
    assert_eq!(
        output.status.code(),
        Some(5),
        "the flag wins: {}",
        stderr(&output)
    );

    // No profile named: [default], whose base URL is the fake's.
    let env = without(&env, "KDOCS_BASE_URL");
    let output = run(&["get-user-info"], &env).await;
    assert!(output.status.success(), "[default]: {}", stderr(&output));
    fake.fake.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_key_in_a_file_others_can_read_is_refused() {
    let fake = Fake::start().await;
    fake.write_config(&profile(&fake.fake.base_url(), &fake), 0o644);
    let env = profile_env(&fake);
    let output = run(&["--profile", "p", "get-user-info"], &env).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("chmod 600"), "{message}");
    assert!(message.contains("KDOCS_APP_KEY"), "{message}");
    assert!(!message.contains(fake.fake.app_key()), "{message}");
    assert_eq!(fake.fake.stats().calls_to("get_user_info"), 0);

    // An unknown profile is a usage error naming the known ones.
    fake.write_config(&profile(&fake.fake.base_url(), &fake), 0o600);
    let output = run(&["--profile", "q", "get-user-info"], &env).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the profiles are p"),
        "{}",
        stderr(&output)
    );
    fake.fake.shutdown().await;
}
