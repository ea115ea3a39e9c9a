//! Tests over real HTTP on 127.0.0.1. Requests are signed by a small helper here,
//! written from the platform rules (not the client's signer).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};
use reqwest::header::{HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha1::Sha1;

use super::*;

const PREVIEW: &str = "/api/v1/openapi/anonymous/preview/appspace/with_token";
const TOKEN: &str = "/api/v1/openapi/anonymous/token";

fn md5_hex(b: &[u8]) -> String {
    hex::encode(Md5::digest(b))
}

/// One request to sign and send; tests tweak the fields before sending.
struct Call {
    method: Method,
    path_and_query: String,
    body: Vec<u8>,
    app_id: String,
    app_key: String,
    date: SystemTime,
}

impl Call {
    fn new(fake: &FakeKdocs, method: Method, path_and_query: &str, body: Option<Value>) -> Call {
        Call {
            method,
            path_and_query: path_and_query.to_owned(),
            body: body
                .map(|b| serde_json::to_vec(&b).unwrap())
                .unwrap_or_default(),
            app_id: fake.app_id().to_owned(),
            app_key: fake.app_key().to_owned(),
            date: fake.clock().now(),
        }
    }

    /// Builds the signed request (the URI hashed is the one reqwest puts on the wire).
    fn build(&self, fake: &FakeKdocs) -> reqwest::Request {
        let url =
            reqwest::Url::parse(&format!("{}{}", fake.base_url(), self.path_and_query)).unwrap();
        let wire = &url[url::Position::BeforePath..];
        let content_md5 = if self.body.is_empty() {
            md5_hex(wire.as_bytes())
        } else {
            md5_hex(&self.body)
        };
        let date = httpdate::fmt_http_date(self.date);
        let mut h = Sha1::new();
        h.update(format!(
            "{}{}application/json{}",
            self.app_key, content_md5, date
        ));
        let auth = format!("WPS-2:{}:{}", self.app_id, hex::encode(h.finalize()));
        let mut req = reqwest::Request::new(self.method.clone(), url);
        let headers = req.headers_mut();
        headers.insert("Date", HeaderValue::from_str(&date).unwrap());
        headers.insert("Content-Md5", HeaderValue::from_str(&content_md5).unwrap());
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.insert("Authorization", HeaderValue::from_str(&auth).unwrap());
        if !self.body.is_empty() {
            *req.body_mut() = Some(self.body.clone().into());
        }
        req
    }
}

struct Reply {
    status: StatusCode,
    json: Value,
    retry_after: Option<String>,
}

async fn send(req: reqwest::Request) -> Reply {
    let resp = reqwest::Client::new().execute(req).await.unwrap();
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let json = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    Reply {
        status,
        json,
        retry_after,
    }
}

async fn call(fake: &FakeKdocs, method: Method, pq: &str, body: Option<Value>) -> Reply {
    send(Call::new(fake, method, pq, body).build(fake)).await
}

fn assert_error(reply: &Reply, status: u16, code: i64, hint_part: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.json);
    assert_eq!(reply.json["code"], code, "{}", reply.json);
    let hint = reply.json["hint"].as_str().unwrap();
    assert!(
        hint.contains(hint_part),
        "hint {hint:?} lacks {hint_part:?}"
    );
    assert!(reply.json["message"].is_string());
}

async fn start() -> FakeKdocs {
    FakeKdocs::start(FakeConfig::default()).await.unwrap()
}

async fn create_task(fake: &FakeKdocs, file_token: &str) -> (String, String) {
    let r = call(
        fake,
        Method::POST,
        PREVIEW,
        Some(json!({ "file_token": file_token })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let task_id = r.json["data"]["task_id"].as_str().unwrap().to_owned();
    let token = fake.anonymous_token_for_task(&task_id).unwrap();
    (task_id, token)
}

#[tokio::test]
async fn preview_refresh_cancel_lifecycle() {
    let fake = start().await;
    let file = fake.add_file("a.docx", b"doc".to_vec());
    let (task_id, token) = create_task(&fake, &file).await;
    let id = task_id.strip_prefix("open:").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_lowercase()));
    assert!(token.starts_with("Anonymous-"));
    assert!(fake.is_anonymous_token_valid(&token));

    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": token }))).await;
    assert_eq!(r.json["code"], 0, "{}", r.json);
    let new = r.json["data"]["value"].as_str().unwrap().to_owned();
    assert!(new.starts_with("Anonymous-") && new != token);
    let expected = fake.clock().unix_now() + 24 * 3600;
    let expire_at = r.json["data"]["expire_at"].as_u64().unwrap();
    assert!(expire_at.abs_diff(expected) <= 2);
    assert_eq!(
        fake.anonymous_token_for_task(&task_id).as_deref(),
        Some(new.as_str())
    );

    // The old token is refused now.
    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": token }))).await;
    assert_error(
        &r,
        404,
        FakeCode::AnonymousTokenNotFound.code(),
        "replaced by a refresh",
    );
    let r = call(&fake, Method::DELETE, &format!("{TOKEN}/{token}"), None).await;
    assert_error(&r, 404, FakeCode::AnonymousTokenNotFound.code(), "replaced");

    // Cancel the new one.
    let r = call(&fake, Method::DELETE, &format!("{TOKEN}/{new}"), None).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json, json!({ "code": 0, "data": {} }));
    assert_eq!(fake.anonymous_token_for_task(&task_id), None);
    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": new }))).await;
    assert_error(
        &r,
        404,
        FakeCode::AnonymousTokenNotFound.code(),
        "cancelled",
    );

    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": "nope" }))).await;
    assert_error(&r, 404, FakeCode::AnonymousTokenNotFound.code(), "unknown");

    let stats = fake.stats();
    assert_eq!(stats.calls_to("create_anonymous_preview"), 1);
    assert_eq!(stats.calls_to("refresh_anonymous_token"), 4);
    assert_eq!(stats.calls_to("cancel_anonymous_token"), 2);
    assert_eq!(stats.total_api_calls, 7);
    assert_eq!(stats.rejected_calls, 4);
    assert_eq!(stats.calls_today[fake.app_id()], 7);
    assert!(stats.connections_accepted >= 1);
    fake.shutdown().await;
}

#[tokio::test]
async fn preview_parameter_errors() {
    let fake = start().await;
    let r = call(
        &fake,
        Method::POST,
        PREVIEW,
        Some(json!({ "download": true })),
    )
    .await;
    assert_error(&r, 400, INVALID_ARGUMENT, "file_token");
    let r = call(
        &fake,
        Method::POST,
        PREVIEW,
        Some(json!({ "file_token": 5 })),
    )
    .await;
    assert_error(&r, 400, INVALID_ARGUMENT, "`file_token` has the wrong type");
    let file = fake.add_file("a", b"x".to_vec());
    let r = call(
        &fake,
        Method::POST,
        PREVIEW,
        Some(json!({ "file_token": file, "download": "yes" })),
    )
    .await;
    assert_error(&r, 400, INVALID_ARGUMENT, "download");
    let r = call(
        &fake,
        Method::POST,
        PREVIEW,
        Some(json!({ "file_token": "missing" })),
    )
    .await;
    assert_error(&r, 404, FakeCode::FileNotFound.code(), "missing");
    let r = call(&fake, Method::POST, PREVIEW, Some(json!([1]))).await;
    assert_error(&r, 400, INVALID_ARGUMENT, "JSON object");

    let mut c = Call::new(&fake, Method::POST, PREVIEW, None);
    c.body = b"{not json".to_vec();
    assert_error(
        &send(c.build(&fake)).await,
        400,
        INVALID_ARGUMENT,
        "not valid JSON",
    );
    c.body = vec![0xff, 0xfe, b'{'];
    assert_error(
        &send(c.build(&fake)).await,
        400,
        INVALID_ARGUMENT,
        "not valid JSON",
    );
    c.body = Vec::new();
    assert_error(&send(c.build(&fake)).await, 400, INVALID_ARGUMENT, "empty");

    let r = call(&fake, Method::GET, "/api/v1/nothing", None).await;
    assert_error(&r, 404, FakeCode::NoSuchEndpoint.code(), "no endpoint");
    let r = call(&fake, Method::GET, TOKEN, None).await;
    assert_error(
        &r,
        405,
        FakeCode::MethodNotAllowed.code(),
        "accepts POST, not GET",
    );
}

#[tokio::test]
async fn anonymous_token_expires_with_the_clock() {
    let fake =
        FakeKdocs::start(FakeConfig::default().with_anonymous_token_ttl(Duration::from_secs(60)))
            .await
            .unwrap();
    let token = fake.create_preview_token("whatever");
    assert!(fake.is_anonymous_token_valid(&token));
    fake.clock().advance(Duration::from_secs(61));
    assert!(!fake.is_anonymous_token_valid(&token));
    // The helper signs with the fake clock's time.
    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": token }))).await;
    assert_error(
        &r,
        403,
        FakeCode::AnonymousTokenExpired.code(),
        "create a new anonymous preview task",
    );
    // An expired token can still be cancelled.
    let r = call(&fake, Method::DELETE, &format!("{TOKEN}/{token}"), None).await;
    assert_eq!(r.json["code"], 0, "{}", r.json);
}

#[tokio::test]
async fn signature_failures_name_the_part() {
    let fake = start().await;
    let body = Some(json!({ "token": "t" }));

    let mut c = Call::new(&fake, Method::POST, TOKEN, body.clone());
    c.app_key = "wrong".into();
    assert_error(
        &send(c.build(&fake)).await,
        403,
        FakeCode::SignatureRefused.code(),
        "signature does not match",
    );

    let mut c = Call::new(&fake, Method::POST, TOKEN, body.clone());
    c.date = fake.clock().now() - Duration::from_secs(16 * 60);
    assert_error(
        &send(c.build(&fake)).await,
        403,
        FakeCode::SignatureRefused.code(),
        "more than 15 minutes",
    );

    let mut c = Call::new(&fake, Method::POST, TOKEN, body.clone());
    c.app_id = "SXUNKNOWN".into();
    assert_error(
        &send(c.build(&fake)).await,
        403,
        FakeCode::SignatureRefused.code(),
        "unknown app_id",
    );

    let c = Call::new(&fake, Method::POST, TOKEN, body.clone());
    let mut req = c.build(&fake);
    *req.body_mut() = Some(b"{\"token\":\"u\"}".to_vec().into());
    assert_error(
        &send(req).await,
        403,
        FakeCode::SignatureRefused.code(),
        "Content-Md5 does not match md5 of the body",
    );

    for header in ["Authorization", "Date", "Content-Md5", "Content-Type"] {
        let mut req = c.build(&fake);
        req.headers_mut().remove(header);
        assert_error(
            &send(req).await,
            403,
            FakeCode::SignatureRefused.code(),
            &format!("{header} header missing"),
        );
    }

    let mut req = c.build(&fake);
    req.headers_mut().insert(
        "Content-Type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    assert_error(
        &send(req).await,
        403,
        FakeCode::SignatureRefused.code(),
        "Content-Type must be application/json",
    );

    let mut req = c.build(&fake);
    req.headers_mut()
        .insert("Date", HeaderValue::from_static("yesterday"));
    assert_error(
        &send(req).await,
        403,
        FakeCode::SignatureRefused.code(),
        "RFC 1123",
    );

    // GET: the URI (with query) is hashed; changing the query after signing fails.
    let file = fake.add_file("f", b"x".to_vec());
    let pq = format!("/api/v1/openapi/appspace/files/{file}/download?file_token={file}");
    let c = Call::new(&fake, Method::GET, &pq, None);
    let mut req = c.build(&fake);
    req.url_mut()
        .set_query(Some(&format!("file_token={file}&x=1")));
    assert_error(
        &send(req).await,
        403,
        FakeCode::SignatureRefused.code(),
        "md5 of the request URI",
    );

    // None of the rejected calls counted against the quota.
    assert_eq!(fake.stats().calls_today[fake.app_id()], 0);
    assert_eq!(fake.stats().rejected_calls, 11);
}

#[tokio::test]
async fn rate_limit_per_app_and_day() {
    let fake = FakeKdocs::start(FakeConfig::default().with_daily_limit(2))
        .await
        .unwrap();
    fake.add_app("SXPROD", "prod-key", PRODUCTION_APP_DAILY_LIMIT);
    // 23:00:00 UTC on 2024-01-01.
    fake.clock()
        .set(UNIX_EPOCH + Duration::from_secs(1_704_150_000 - 1_704_150_000 % 86_400 + 23 * 3600));
    let token = fake.create_preview_token("f");
    let body = Some(json!({ "token": "nope" }));
    for _ in 0..2 {
        let r = call(&fake, Method::POST, TOKEN, body.clone()).await;
        assert_eq!(r.json["code"], FakeCode::AnonymousTokenNotFound.code());
    }
    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": token }))).await;
    assert_error(&r, 429, FakeCode::DailyLimitReached.code(), "00:00 UTC");
    let retry: u64 = r.retry_after.unwrap().parse().unwrap();
    assert!((3595..=3600).contains(&retry), "{retry}");

    // Another app has its own quota.
    let mut c = Call::new(&fake, Method::POST, TOKEN, body.clone());
    c.app_id = "SXPROD".into();
    c.app_key = "prod-key".into();
    assert_eq!(
        send(c.build(&fake)).await.json["code"],
        FakeCode::AnonymousTokenNotFound.code()
    );
    let stats = fake.stats();
    assert_eq!(stats.calls_today[fake.app_id()], 2);
    assert_eq!(stats.calls_today["SXPROD"], 1);

    // Next UTC day: the counter resets.
    fake.clock().advance(Duration::from_secs(3601));
    assert_eq!(fake.stats().calls_today[fake.app_id()], 0);
    let r = call(&fake, Method::POST, TOKEN, body).await;
    assert_eq!(r.json["code"], FakeCode::AnonymousTokenNotFound.code());
}

#[tokio::test]
async fn edit_url_with_token() {
    let fake = start().await;
    let file = fake.add_file("a.docx", b"doc".to_vec());
    let access = fake.issue_access_token();
    let pq =
        format!("/api/v1/openapi/appspace/files/{file}/url/with_edit_token?access_token={access}");
    let r = call(&fake, Method::GET, &pq, None).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let data = &r.json["data"];
    assert_eq!(
        data["url"],
        format!(
            "{}/office/s/{file}?_w_appid={}",
            fake.base_url(),
            fake.app_id()
        )
    );
    assert!(data["token"]["value"]
        .as_str()
        .unwrap()
        .starts_with("ExchangeToken-"));
    let expire_at = data["token"]["expire_at"].as_u64().unwrap();
    assert!(expire_at.abs_diff(fake.clock().unix_now() + 600) <= 2);

    let pq =
        format!("/api/v1/openapi/appspace/files/{file}/url/with_edit_token?access_token=bogus");
    assert_error(
        &call(&fake, Method::GET, &pq, None).await,
        401,
        ACCESS_TOKEN_INVALID,
        "access_token",
    );
    let pq = format!("/api/v1/openapi/appspace/files/{file}/url/with_edit_token");
    assert_error(
        &call(&fake, Method::GET, &pq, None).await,
        400,
        INVALID_ARGUMENT,
        "access_token",
    );
    let pq =
        format!("/api/v1/openapi/appspace/files/nofile/url/with_edit_token?access_token={access}");
    assert_error(
        &call(&fake, Method::GET, &pq, None).await,
        404,
        FakeCode::FileNotFound.code(),
        "nofile",
    );
    assert_eq!(fake.stats().calls_to("get_edit_url_with_token"), 4);
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

async fn download_url(fake: &FakeKdocs, file: &str) -> Value {
    let pq = format!("/api/v1/openapi/appspace/files/{file}/download?file_token={file}");
    let r = call(fake, Method::GET, &pq, None).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["data"].clone()
}

#[tokio::test]
async fn download_url_and_bytes() {
    let fake = start().await;
    let bytes = content(200_000);
    let file = fake.add_file("big.bin", bytes.clone());
    let data = download_url(&fake, &file).await;
    assert_eq!(data["checksums"]["md5"], md5_hex(&bytes));
    assert_eq!(data["checksums"]["sha1"], hex::encode(Sha1::digest(&bytes)));
    assert_eq!(
        data["sys_metadata"],
        json!({ "size": 200_000, "file_name": "big.bin" })
    );
    let url = data["download_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/fake/download/", fake.base_url())));

    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.content_length(), Some(200_000));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert_eq!(fake.stats().downloads_served, 1);

    let resp = reqwest::get(format!("{}/fake/download/unknown", fake.base_url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    let pq = format!("/api/v1/openapi/appspace/files/{file}/download");
    assert_error(
        &call(&fake, Method::GET, &pq, None).await,
        400,
        INVALID_ARGUMENT,
        "file_token",
    );
    let pq = format!("/api/v1/openapi/appspace/files/{file}/download?file_token=other");
    assert_error(
        &call(&fake, Method::GET, &pq, None).await,
        400,
        INVALID_ARGUMENT,
        "differs",
    );
    let pq = "/api/v1/openapi/appspace/files/nofile/download?file_token=nofile";
    assert_error(
        &call(&fake, Method::GET, pq, None).await,
        404,
        FakeCode::FileNotFound.code(),
        "nofile",
    );
}

/// A generated file is served like a stored one (length, checksums, bytes)
/// without the fake holding it; a copy into the personal drive materialises it.
#[tokio::test]
async fn generated_files_download_like_stored_ones() {
    let fake = start().await;
    // Longer than one 64 KiB frame and not a multiple of the pattern's period.
    let len = 3 * 64 * 1024 + 1_000;
    let expected: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let file = fake.add_generated_file("generated.bin", len as u64);
    let data = download_url(&fake, &file).await;
    assert_eq!(data["checksums"]["md5"], md5_hex(&expected));
    assert_eq!(
        data["checksums"]["sha1"],
        hex::encode(Sha1::digest(&expected))
    );
    assert_eq!(data["sys_metadata"]["size"], len);
    let url = data["download_url"].as_str().unwrap();
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.content_length(), Some(len as u64));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), expected.as_slice());

    let generated = state::Content::Generated { len };
    assert_eq!(generated.to_bytes().as_ref(), expected.as_slice());
    assert_eq!(generated.chunk(len - 10, 64 * 1024).len(), 10);
    assert!(generated.chunk(len, 64 * 1024).is_empty());
    assert_eq!(
        generated.chunk(252, 3).as_ref(),
        &expected[252..255],
        "slices start at their offset in the pattern"
    );
}

#[tokio::test]
async fn download_faults() {
    let fake = start().await;
    let bytes = content(150_000);
    let file = fake.add_file("big.bin", bytes.clone());
    fake.set_fault(Some(Fault::CorruptDownload));
    // Download faults leave the API alone.
    let data = download_url(&fake, &file).await;
    assert_eq!(data["checksums"]["md5"], md5_hex(&bytes));
    let url = data["download_url"].as_str().unwrap().to_owned();
    let got = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.len(), bytes.len());
    assert_ne!(md5_hex(&got), md5_hex(&bytes));

    fake.set_fault(Some(Fault::TruncateDownload));
    let mut resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.content_length(), Some(150_000));
    let mut received = 0;
    let err = loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => panic!("body completed despite TruncateDownload"),
            Err(e) => break e,
        }
    };
    assert!(err.is_body() || err.is_decode(), "{err:?}");
    assert_eq!(received, 75_000);

    fake.set_fault(None);
    let got = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn api_faults() {
    let fake = start().await;
    let body = Some(json!({ "token": "t" }));
    fake.set_fault(Some(Fault::ServerError));
    let resp = reqwest::Client::new()
        .execute(Call::new(&fake, Method::POST, TOKEN, body.clone()).build(&fake))
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<html>"));

    fake.set_fault(Some(Fault::InternalError));
    let r = call(&fake, Method::POST, TOKEN, body.clone()).await;
    assert_error(
        &r,
        500,
        FakeCode::InternalError.code(),
        "Fault::InternalError",
    );

    fake.set_fault(Some(Fault::BreakConnection));
    let err = reqwest::Client::new()
        .execute(Call::new(&fake, Method::POST, TOKEN, body.clone()).build(&fake))
        .await;
    assert!(err.is_err());

    fake.set_fault(None);
    let r = call(&fake, Method::POST, TOKEN, body).await;
    assert_eq!(r.json["code"], FakeCode::AnonymousTokenNotFound.code());
    let stats = fake.stats();
    assert_eq!(stats.rejected_calls, 4);
    assert_eq!(stats.calls_to("refresh_anonymous_token"), 4);
}

#[tokio::test]
async fn percent_encoded_path_segments() {
    let fake = start().await;
    // A token with reserved characters travels as one encoded segment.
    let r = call(
        &fake,
        Method::DELETE,
        &format!("{TOKEN}/a%2Fb%3Fc%23d"),
        None,
    )
    .await;
    assert_error(&r, 404, FakeCode::AnonymousTokenNotFound.code(), "unknown");
    let r = call(&fake, Method::DELETE, &format!("{TOKEN}/%FF"), None).await;
    assert_error(&r, 400, INVALID_ARGUMENT, "UTF-8");
}

#[tokio::test]
async fn concurrent_connections_and_shutdown() {
    let fake = start().await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let fake = fake.clone();
        tasks.push(tokio::spawn(async move {
            let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": "t" }))).await;
            assert_eq!(r.json["code"], FakeCode::AnonymousTokenNotFound.code());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stats = fake.stats();
    assert_eq!(stats.total_api_calls, 40);
    assert!(stats.connections_accepted >= 40);
    let addr = fake.addr();
    fake.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn refuses_non_loopback_addresses() {
    let err = FakeKdocs::start(FakeConfig::default().with_addr("0.0.0.0:0".parse().unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn garbage_requests_get_answers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = start().await;
    let mut s = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    s.write_all(b"POST /api/v1/openapi/anonymous/token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n\xff\xfe\x00")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(text.contains("\"code\":994031"), "{text}");
    // Still serving.
    let r = call(&fake, Method::POST, TOKEN, Some(json!({ "token": "t" }))).await;
    assert_eq!(r.json["code"], FakeCode::AnonymousTokenNotFound.code());
}
