//! `--wait` on an operation whose answer names an office task: the command
//! waits for the task (get_office_task, with the client's waiter) and prints
//! the task's answer; a failed task is a failed call (exit status 1).

mod common;

use common::{run, stderr, stdout, Fake};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extraction_is_waited_for_with_wait() {
    let fake = Fake::start().await;
    let file = fake.fake.add_file("notes.txt", b"waited for".to_vec());
    let client = fake.fake.client().unwrap();
    let url = client
        .get_download_url(kdocs_client::GetDownloadUrlRequest::new(&file))
        .await
        .unwrap()
        .download_url
        .expose_str()
        .to_owned();
    let args = [
        "extract",
        "extract-plain-text",
        "--url",
        url.as_str(),
        "--filename",
        "notes.txt",
        "--wait",
        "--jq",
        ".status",
        "-r",
    ];
    let output = run(&args, &fake.env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "success\n");
    assert!(fake.fake.stats().calls_to("get_office_task") >= 1);

    // A URL the fake cannot fetch: the task fails, and so does the command.
    let failing = [
        "extract",
        "extract-plain-text",
        "--url",
        "https://files.example.invalid/notes.txt",
        "--filename",
        "notes.txt",
        "--wait",
    ];
    let output = run(&failing, &fake.env).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("failed"), "{}", stderr(&output));
    fake.fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_operations_that_start_an_office_task_take_wait() {
    let fake = Fake::start().await;
    let output = run(&["user", "get-user-info", "--wait"], &fake.env).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    fake.fake.shutdown().await;
}
