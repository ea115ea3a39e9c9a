//! Office tasks through the stateful fake: an extraction and a conversion to
//! txt started with a file's download URL, waited for with
//! `Client::wait_for_task` and their `base_64_text` decoded; tasks that fail
//! (by the fake's configuration, for one task, for a URL the fake cannot
//! fetch), that time out, that end when the fake clock says so; an unknown
//! task; and the other conversions.

use std::time::Duration;

use kdocs_client as k;
use kdocs_client::fake::{FakeCode, FakeConfig, FakeKdocs};
use kdocs_client::tasks::{TaskOutcome, TaskWait};
use kdocs_client::{Client, ErrorCodeExt as _};

const REPORT: &str = "人口调查报告\n第二行\r\nthird line\n";

async fn start(config: FakeConfig) -> (FakeKdocs, Client) {
    let fake = FakeKdocs::start(config.with_daily_limit(10_000))
        .await
        .unwrap();
    let client = fake.client().unwrap();
    (fake, client)
}

/// Quick polls, so that a task pending for a few hundred milliseconds is
/// queried several times.
fn quick() -> TaskWait {
    TaskWait::new()
        .with_first_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(80))
        .with_deadline(Duration::from_secs(10))
}

/// An app-space file with `content`, and the download URL the fake hands out for it.
async fn download_url(fake: &FakeKdocs, client: &Client, content: &str) -> String {
    let file = fake.add_file("report.docx", content.as_bytes().to_vec());
    let answer = client
        .get_download_url(k::GetDownloadUrlRequest::new(&file))
        .await
        .unwrap();
    answer.download_url.expose_str().to_owned()
}

fn done(outcome: TaskOutcome) -> k::GetOfficeTaskResponse {
    match outcome {
        TaskOutcome::Done(task) => task,
        other => panic!("the task did not succeed: {other:?}"),
    }
}

#[tokio::test]
async fn an_extraction_is_waited_for_and_its_text_decoded() {
    let (fake, client) =
        start(FakeConfig::default().with_office_task_duration(Duration::from_millis(200))).await;
    let url = download_url(&fake, &client, REPORT).await;
    let started = client
        .extract_plain_text(
            k::ExtractPlainTextRequest::new()
                .with_url(&url)
                .with_filename("report.docx"),
        )
        .await
        .unwrap();
    let task_id = started.task_id.clone().expect("the answer's task_id");
    // Pending at first: no status yet.
    let first = client
        .get_office_task(k::GetOfficeTaskRequest::new(&task_id))
        .await
        .unwrap();
    assert_eq!(first.status, None, "{first}");
    let task = done(client.wait_for_task(&task_id, quick()).await.unwrap());
    assert_eq!(task.status, Some(k::OfficeTaskStatus::Success));
    assert_eq!(task.text().unwrap().unwrap(), REPORT);
    assert!(
        fake.stats().calls_to("get_office_task") >= 3,
        "the waiter polled while the task ran"
    );
}

#[tokio::test]
async fn a_conversion_to_txt_keeps_line_feeds_only_when_asked() {
    let (fake, client) = start(FakeConfig::default()).await;
    let url = download_url(&fake, &client, REPORT).await;
    let convert = |hold: Option<bool>| {
        let mut request = k::ConvertToTxtRequest::new(&url, "report.docx").with_long_txt(true);
        if let Some(hold) = hold {
            request = request.with_hold_line_feed(hold);
        }
        client.convert_to_txt(request)
    };
    let flat = convert(None).await.unwrap().task_id.unwrap();
    let kept = convert(Some(true)).await.unwrap().task_id.unwrap();
    let flat = done(client.wait_for_task(flat, quick()).await.unwrap());
    let kept = done(client.wait_for_task(kept, quick()).await.unwrap());
    // The page: by default the text holds no line feeds.
    assert_eq!(
        flat.text().unwrap().unwrap(),
        "人口调查报告第二行third line"
    );
    assert_eq!(kept.text().unwrap().unwrap(), REPORT);
}

#[tokio::test]
async fn tasks_fail_with_their_message() {
    let (fake, client) = start(
        FakeConfig::default()
            .with_office_task_duration(Duration::ZERO)
            .with_office_task_failure("the document is encrypted"),
    )
    .await;
    let url = download_url(&fake, &client, REPORT).await;
    let task_id = client
        .convert_to_pdf(k::ConvertToPdfRequest::new(&url, "report.docx"))
        .await
        .unwrap()
        .task_id
        .unwrap();
    let outcome = client.wait_for_task(&task_id, quick()).await.unwrap();
    let TaskOutcome::Failed { message, task } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(message.as_deref(), Some("the document is encrypted"));
    assert_eq!(task.status, Some(k::OfficeTaskStatus::Failed));
    assert!(task.text().is_none());
}

#[tokio::test]
async fn one_task_fails_when_the_test_says_so_and_a_foreign_url_fails() {
    let (fake, client) = start(FakeConfig::default()).await;
    let url = download_url(&fake, &client, REPORT).await;
    let extract = |url: &str| {
        client.extract_plain_text(
            k::ExtractPlainTextRequest::new()
                .with_url(url)
                .with_filename("report.docx"),
        )
    };
    let failing = extract(&url).await.unwrap().task_id.unwrap();
    let fine = extract(&url).await.unwrap().task_id.unwrap();
    assert!(fake.fail_office_task(&failing, "password required"));
    assert!(!fake.fail_office_task("no-such-task", "x"));
    let failed = client.wait_for_task(&failing, quick()).await.unwrap();
    assert!(
        matches!(&failed, TaskOutcome::Failed { message: Some(m), .. } if m == "password required"),
        "{failed:?}"
    );
    done(client.wait_for_task(&fine, quick()).await.unwrap());

    let foreign = extract("https://example.com/report.docx")
        .await
        .unwrap()
        .task_id
        .unwrap();
    let outcome = client.wait_for_task(&foreign, quick()).await.unwrap();
    let TaskOutcome::Failed { message, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.unwrap().contains("own download URLs"));
}

#[tokio::test]
async fn a_task_still_running_at_the_deadline_times_out() {
    let (fake, client) =
        start(FakeConfig::default().with_office_task_duration(Duration::from_secs(3600))).await;
    let url = download_url(&fake, &client, REPORT).await;
    let task_id = client
        .convert_to_txt(k::ConvertToTxtRequest::new(&url, "report.docx"))
        .await
        .unwrap()
        .task_id
        .unwrap();
    let wait = quick().with_deadline(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let outcome = client.wait_for_task(&task_id, wait).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let TaskOutcome::TimedOut {
        last,
        polls,
        waited,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(polls >= 2, "{polls} polls");
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert_eq!(last.and_then(|task| task.status), None);

    // The fake clock decides when the task ends.
    fake.clock().advance(Duration::from_secs(3600));
    let task = done(client.wait_for_task(&task_id, quick()).await.unwrap());
    assert_eq!(
        task.text().unwrap().unwrap(),
        "人口调查报告第二行third line"
    );
}

#[tokio::test]
async fn an_unknown_task_is_not_found() {
    let (_fake, client) = start(FakeConfig::default()).await;
    let error = client
        .wait_for_task("no-such-task", quick())
        .await
        .unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(
        (api.status, api.code),
        (404, FakeCode::OfficeTaskNotFound.code())
    );
    assert!(error.is_not_found());
    assert_eq!(error.error_code(), Some(k::ErrorCode::Unknown(994_044)));
}

#[tokio::test]
async fn the_other_conversions_are_tasks_too() {
    let (fake, client) =
        start(FakeConfig::default().with_office_task_duration(Duration::ZERO)).await;
    let url = download_url(&fake, &client, REPORT).await;
    let pdf = client
        .convert_to_pdf(k::ConvertToPdfRequest::new(&url, "report.docx"))
        .await
        .unwrap();
    // `any` answers: the fake's `task_id`, read from the JSON.
    let jpg = client
        .convert_to_jpg(k::ConvertToJpgRequest::new(&url, "report.docx"))
        .await
        .unwrap();
    let pptx = client
        .convert_to_pptx(k::ConvertToPptxRequest::new(&url, "report.pptx"))
        .await
        .unwrap();
    let ids = [
        pdf.task_id.clone().unwrap(),
        jpg["task_id"].as_str().unwrap().to_owned(),
        pptx["task_id"].as_str().unwrap().to_owned(),
    ];
    for id in ids {
        let task = done(client.wait_for_task(id, quick()).await.unwrap());
        // The fake converts nothing: an empty result.
        assert_eq!(task.result, Some(k::GetOfficeTaskResponseResult::new()));
    }
    // A task's answer prints as its JSON.
    assert_eq!(
        pdf.to_string(),
        format!(r#"{{"task_id":"{}"}}"#, pdf.task_id.as_deref().unwrap())
    );
}
