//! Each of the five seed endpoints, called through the generated client against
//! a scripted HTTP server on 127.0.0.1.
//!
//! The server records every request and checks it independently of the client:
//! method, path, query and JSON body against what the kdocs docs describe, and
//! the WPS-2 headers recomputed here from the app key (own md5/sha1 code, not
//! the client's signer). It answers with the example response of each docs page.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use kdocs_client::{
    CancelAnonymousTokenRequest, Client, Config, CreateAnonymousPreviewRequest, Credentials, Error,
    GetDownloadUrlRequest, GetEditUrlWithTokenRequest, RefreshAnonymousTokenRequest,
};
use md5::{Digest as _, Md5};
use sha1::Sha1;

const APP_ID: &str = "SX20220101ABCDEF";
const APP_KEY: &str = "wJalrXUtnFEYEXAMPLEKES";

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    /// Path and query exactly as received.
    uri: String,
    path: String,
    query: Option<String>,
    body: Vec<u8>,
    /// `None` when the WPS-2 headers verify, else what is wrong.
    signature_problem: Option<String>,
}

type Responder = Arc<dyn Fn(&Seen) -> (u16, String) + Send + Sync>;

struct Scripted {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    async fn start(respond: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let respond: Responder = Arc::new(respond);
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, respond) = (log.clone(), respond.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (log, respond) = (log.clone(), respond.clone());
                        async move {
                            let seen = record(req).await;
                            let (status, body) = respond(&seen);
                            log.lock().unwrap().push(seen);
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .status(status)
                                    .header("Content-Type", "application/json")
                                    .body(Full::new(Bytes::from(body)))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, seen }
    }

    fn client(&self) -> Client {
        let config = Config::new()
            .with_base_url(format!("http://{}", self.addr))
            .with_timeout(Duration::from_secs(5));
        Client::new(Credentials::new(APP_ID, APP_KEY), config).unwrap()
    }

    fn only_request(&self) -> Seen {
        let seen = self.seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "expected exactly one request, got {seen:?}");
        seen[0].clone()
    }
}

async fn record(req: Request<hyper::body::Incoming>) -> Seen {
    let method = req.method().to_string();
    let uri = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (date, content_type, content_md5, authorization) = (
        header("Date"),
        header("Content-Type"),
        header("Content-Md5"),
        header("Authorization"),
    );
    let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
    let signature_problem =
        verify_wps2(&uri, &body, date, content_type, content_md5, authorization);
    Seen {
        method,
        uri,
        path,
        query,
        body,
        signature_problem,
    }
}

/// WPS-2 recomputed from the docs' rules.
fn verify_wps2(
    uri: &str,
    body: &[u8],
    date: Option<String>,
    content_type: Option<String>,
    content_md5: Option<String>,
    authorization: Option<String>,
) -> Option<String> {
    let (Some(date), Some(content_type), Some(content_md5), Some(authorization)) =
        (date, content_type, content_md5, authorization)
    else {
        return Some("a WPS-2 header is missing".into());
    };
    if content_type != "application/json" {
        return Some(format!("Content-Type is {content_type}"));
    }
    let signed_bytes = if body.is_empty() {
        uri.as_bytes()
    } else {
        body
    };
    let expected_md5 = hex::encode(Md5::digest(signed_bytes));
    if content_md5 != expected_md5 {
        return Some(format!("Content-Md5 {content_md5} != {expected_md5}"));
    }
    let when = httpdate::parse_http_date(&date).ok()?;
    let skew = SystemTime::now()
        .duration_since(when)
        .unwrap_or_else(|e| e.duration());
    if skew > Duration::from_secs(15 * 60) || !date.ends_with(" GMT") {
        return Some(format!("Date {date} is not a current RFC 1123 GMT date"));
    }
    let mut sha = Sha1::new();
    sha.update(format!("{APP_KEY}{content_md5}{content_type}{date}"));
    let expected = format!("WPS-2:{APP_ID}:{}", hex::encode(sha.finalize()));
    (authorization != expected).then(|| "Authorization does not match".to_owned())
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("request body is JSON")
}

#[tokio::test]
async fn create_anonymous_preview_posts_the_documented_path_and_body() {
    let server = Scripted::start(|_| {
        (
            200,
            r#"{"code":0,"data":{"task_id":"open:kvqxrspxjctdojjqdildjhonzwusaquc"}}"#.into(),
        )
    })
    .await;
    let request =
        CreateAnonymousPreviewRequest::new("kvqxrspxjctdojjqdildjhonzwusaquc").with_download(true);
    let task = server
        .client()
        .create_anonymous_preview(request)
        .await
        .unwrap();
    assert_eq!(task.task_id, "open:kvqxrspxjctdojjqdildjhonzwusaquc");

    let seen = server.only_request();
    // Decision D1: the 基本信息 block's POST and path, not the samples' GET.
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.path,
        "/api/v1/openapi/anonymous/preview/appspace/with_token"
    );
    assert_eq!(seen.query, None);
    assert_eq!(
        json(&seen.body),
        serde_json::json!({"file_token": "kvqxrspxjctdojjqdildjhonzwusaquc", "download": true})
    );
    assert_eq!(seen.signature_problem, None);
}

#[tokio::test]
async fn create_anonymous_preview_omits_unset_optional_fields() {
    let server =
        Scripted::start(|_| (200, r#"{"code":0,"data":{"task_id":"open:x"}}"#.into())).await;
    server
        .client()
        .create_anonymous_preview(CreateAnonymousPreviewRequest::new("f1"))
        .await
        .unwrap();
    assert_eq!(
        json(&server.only_request().body),
        serde_json::json!({"file_token": "f1"})
    );
}

#[tokio::test]
async fn refresh_anonymous_token_returns_the_new_token() {
    let server = Scripted::start(|_| {
        (
            200,
            r#"{"code":0,"data":{"value":"Anonymous-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai","expire_at":1659008671}}"#
                .into(),
        )
    })
    .await;
    let token = server
        .client()
        .refresh_anonymous_token(RefreshAnonymousTokenRequest::new(
            "kvqxrspxjctdojjqdildjhonzwusaquc",
        ))
        .await
        .unwrap();
    assert_eq!(
        token.value.expose(),
        "Anonymous-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai"
    );
    assert_eq!(token.expire_at, 1659008671);
    assert!(
        !format!("{token:?}").contains("Anonymous-"),
        "Debug shows the token"
    );

    let seen = server.only_request();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.uri, "/api/v1/openapi/anonymous/token");
    assert_eq!(
        json(&seen.body),
        serde_json::json!({"token": "kvqxrspxjctdojjqdildjhonzwusaquc"})
    );
    assert_eq!(seen.signature_problem, None);
}

#[tokio::test]
async fn cancel_anonymous_token_deletes_with_the_token_in_the_path() {
    let server = Scripted::start(|_| (200, r#"{"code":0,"data":{}}"#.into())).await;
    server
        .client()
        .cancel_anonymous_token(CancelAnonymousTokenRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"))
        .await
        .unwrap();
    let seen = server.only_request();
    assert_eq!(seen.method, "DELETE");
    assert_eq!(
        seen.uri,
        "/api/v1/openapi/anonymous/token/t2v4Ga8ZUYKc12KGMdEQpBh"
    );
    assert!(seen.body.is_empty(), "DELETE carries no body");
    // No body: Content-Md5 is the md5 of the URI, checked by verify_wps2.
    assert_eq!(seen.signature_problem, None);
}

#[tokio::test]
async fn get_edit_url_with_token_sends_the_access_token_as_query() {
    let server = Scripted::start(|_| {
        (
            200,
            r#"{"code":0,"data":{"url":"https://appdocs.wpscdn.cn/office/s/t2v4Ga8ZUYKc12KGMdEQpBh?_w_appid=SX20220607DQHNCT","token":{"value":"ExchangeToken-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai","expire_at":1659008671}}}"#
                .into(),
        )
    })
    .await;
    let edit = server
        .client()
        .get_edit_url_with_token(GetEditUrlWithTokenRequest::new(
            "t2v4Ga8ZUYKc12KGMdEQpBh",
            "kvqxrspxjctdojjqdildjhonzwusaquc",
        ))
        .await
        .unwrap();
    assert_eq!(
        edit.url,
        "https://appdocs.wpscdn.cn/office/s/t2v4Ga8ZUYKc12KGMdEQpBh?_w_appid=SX20220607DQHNCT"
    );
    assert_eq!(
        edit.token.value.expose(),
        "ExchangeToken-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai"
    );
    assert_eq!(edit.token.expire_at, 1659008671);

    let seen = server.only_request();
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.uri,
        "/api/v1/openapi/appspace/files/t2v4Ga8ZUYKc12KGMdEQpBh/url/with_edit_token?access_token=kvqxrspxjctdojjqdildjhonzwusaquc"
    );
    assert!(seen.body.is_empty());
    assert_eq!(seen.signature_problem, None);
}

#[tokio::test]
async fn get_download_url_sends_file_token_in_path_and_query() {
    let server = Scripted::start(|_| {
        (
            200,
            r#"{"code":0,"data":{"download_url":"<download_url>","checksums":{},"sys_metadata":{}}}"#.into(),
        )
    })
    .await;
    let download = server
        .client()
        .get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"))
        .await
        .unwrap();
    assert_eq!(download.download_url.expose(), "<download_url>");
    assert!(
        !format!("{download:?}").contains("<download_url>"),
        "Debug shows the presigned URL"
    );
    assert_eq!(download.checksums, Some(Default::default()));
    assert_eq!(download.sys_metadata, Some(serde_json::json!({})));

    let seen = server.only_request();
    assert_eq!(seen.method, "GET");
    // Decision D3: file_token in the path and as a query parameter.
    assert_eq!(
        seen.uri,
        "/api/v1/openapi/appspace/files/t2v4Ga8ZUYKc12KGMdEQpBh/download?file_token=t2v4Ga8ZUYKc12KGMdEQpBh"
    );
    assert_eq!(seen.signature_problem, None);
}

#[tokio::test]
async fn reserved_characters_stay_inside_one_path_segment() {
    let server = Scripted::start(|_| {
        (
            200,
            r#"{"code":0,"data":{"download_url":"u","checksums":{},"sys_metadata":null}}"#.into(),
        )
    })
    .await;
    server
        .client()
        .get_download_url(GetDownloadUrlRequest::new("a/b?c#d"))
        .await
        .unwrap();
    let seen = server.only_request();
    assert_eq!(
        seen.uri,
        "/api/v1/openapi/appspace/files/a%2Fb%3Fc%23d/download?file_token=a%2Fb%3Fc%23d"
    );
    assert_eq!(
        seen.signature_problem, None,
        "the signed URI is the one sent"
    );
}

async fn error_for(status: u16, body: &'static str) -> Error {
    let server = Scripted::start(move |_| (status, body.to_owned())).await;
    server
        .client()
        .get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_envelope_with_http_200_is_an_api_error() {
    let err = error_for(
        200,
        r#"{"code":10001,"message":"InvalidArgument","hint":"file_token is required"}"#,
    )
    .await;
    let api = err.api().expect("an API error");
    assert_eq!((api.status, api.code), (200, 10001));
    assert_eq!(
        err.to_string(),
        "kdocs get_download_url (GET /api/v1/openapi/appspace/files/{file_token}/download): \
         HTTP 200, code 10001 InvalidArgument: file_token is required"
    );
}

#[tokio::test]
async fn error_envelope_with_http_403_is_an_api_error() {
    let err = error_for(
        403,
        r#"{"code":424031,"message":"Undocumented","hint":"signature mismatch","extra":{"request_id":"r1"}}"#,
    )
    .await;
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status, api.code, api.message.as_str()),
        (403, 424031, "Undocumented")
    );
    assert_eq!(api.extra, Some(serde_json::json!({"request_id": "r1"})));
    let text = err.to_string();
    for part in [
        "get_download_url",
        "GET",
        "/download",
        "HTTP 403",
        "424031",
        "Undocumented",
        "signature mismatch",
    ] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
}

#[tokio::test]
async fn non_json_body_is_a_decode_error_with_status_and_excerpt() {
    let err = error_for(502, "<html><body>502 Bad Gateway</body></html>").await;
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("HTTP 502"), "{text}");
    assert!(
        text.contains("<html><body>502 Bad Gateway</body></html>"),
        "{text}"
    );
}

// ---- tolerant decoding ----------------------------------------------------------
//
// A response field is required only where the page's response example shows
// it (api-spec/README.md); the rest are optional, `null` counts as absent, and
// fields the spec does not know are ignored.

/// Decodes `data` (the envelope's `data`, as JSON text) as the answer to the
/// endpoint `op`, through the generated client against a scripted server.
async fn decode_answer(op: &str, data: &'static str) -> Result<String, Error> {
    let server = Scripted::start(move |_| (200, format!(r#"{{"code":0,"data":{data}}}"#))).await;
    let client = server.client();
    Ok(match op {
        "create_anonymous_preview" => format!(
            "{:?}",
            client
                .create_anonymous_preview(CreateAnonymousPreviewRequest::new("f"))
                .await?
        ),
        "refresh_anonymous_token" => format!(
            "{:?}",
            client
                .refresh_anonymous_token(RefreshAnonymousTokenRequest::new("t"))
                .await?
        ),
        "cancel_anonymous_token" => format!(
            "{:?}",
            client
                .cancel_anonymous_token(CancelAnonymousTokenRequest::new("t"))
                .await?
        ),
        "get_edit_url_with_token" => format!(
            "{:?}",
            client
                .get_edit_url_with_token(GetEditUrlWithTokenRequest::new("f", "a"))
                .await?
        ),
        "get_download_url" => format!(
            "{:?}",
            client
                .get_download_url(GetDownloadUrlRequest::new("f"))
                .await?
        ),
        other => panic!("no endpoint {other}"),
    })
}

/// The `data` of each page's response example (seeds 000-004), verbatim.
const PAGE_EXAMPLES: [(&str, &str); 5] = [
    (
        "refresh_anonymous_token",
        r#"{"value":"Anonymous-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai","expire_at":1659008671}"#,
    ),
    (
        "get_edit_url_with_token",
        r#"{"url":"https://appdocs.wpscdn.cn/office/s/t2v4Ga8ZUYKc12KGMdEQpBh?_w_appid=SX20220607DQHNCT","token":{"value":"ExchangeToken-wenlvdhdldmnnanortdmrywrvcpwftrvfetobheumqsamdai","expire_at":1659008671}}"#,
    ),
    (
        "create_anonymous_preview",
        r#"{"task_id":"open:kvqxrspxjctdojjqdildjhonzwusaquc"}"#,
    ),
    ("cancel_anonymous_token", r#"{}"#),
    (
        "get_download_url",
        r#"{"download_url":"<download_url>","checksums":{},"sys_metadata":{}}"#,
    ),
];

#[tokio::test]
async fn answers_with_only_the_fields_the_pages_show_decode() {
    for (op, data) in PAGE_EXAMPLES {
        decode_answer(op, data)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

/// For every endpoint, the answer with every optional field absent, and with
/// every optional field `null`. Only `get_download_url` has optional fields
/// (`checksums` and `sys_metadata`, shown only as `{}`); the other pages show
/// every field of their answer, so their sparse answer is the page's own.
#[tokio::test]
async fn sparse_answers_decode_for_every_endpoint() {
    let sparse: [(&str, &str, &str); 5] = [
        (
            "refresh_anonymous_token",
            r#"{"value":"Anonymous-x","expire_at":1659008671}"#,
            r#"{"value":"Anonymous-x","expire_at":1659008671}"#,
        ),
        (
            "get_edit_url_with_token",
            r#"{"url":"https://u","token":{"value":"ExchangeToken-x","expire_at":1}}"#,
            r#"{"url":"https://u","token":{"value":"ExchangeToken-x","expire_at":1}}"#,
        ),
        (
            "create_anonymous_preview",
            r#"{"task_id":"open:x"}"#,
            r#"{"task_id":"open:x"}"#,
        ),
        ("cancel_anonymous_token", r#"{}"#, r#"null"#),
        (
            "get_download_url",
            r#"{"download_url":"https://cdn/f"}"#,
            r#"{"download_url":"https://cdn/f","checksums":null,"sys_metadata":null}"#,
        ),
    ];
    for (op, absent, null) in sparse {
        for data in [absent, null] {
            decode_answer(op, data)
                .await
                .unwrap_or_else(|e| panic!("{op} with {data}: {e}"));
        }
    }
    // What they decode to.
    for data in [
        r#"{"download_url":"https://cdn/f"}"#,
        r#"{"download_url":"https://cdn/f","checksums":null,"sys_metadata":null}"#,
    ] {
        let server =
            Scripted::start(move |_| (200, format!(r#"{{"code":0,"data":{data}}}"#))).await;
        let answer = server
            .client()
            .get_download_url(GetDownloadUrlRequest::new("f"))
            .await
            .unwrap();
        assert_eq!(answer.download_url.expose(), "https://cdn/f");
        assert_eq!(answer.checksums, None, "{data}");
        assert_eq!(answer.sys_metadata, None, "{data}");
    }
    // A required field is still required: a page shows it.
    let err = decode_answer("get_download_url", r#"{"checksums":{}}"#)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("download_url"), "{err}");
    let err = decode_answer("refresh_anonymous_token", r#"{"value":"Anonymous-x"}"#)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expire_at"), "{err}");
}

/// Fields the spec does not know are ignored, at every level.
#[tokio::test]
async fn unknown_fields_are_ignored_everywhere() {
    let with_extras: [(&str, &str); 5] = [
        (
            "refresh_anonymous_token",
            r#"{"value":"Anonymous-x","expire_at":1,"new":{"a":[1]}}"#,
        ),
        (
            "get_edit_url_with_token",
            r#"{"url":"https://u","token":{"value":"ExchangeToken-x","expire_at":1,"scope":"edit"},"extra":null}"#,
        ),
        (
            "create_anonymous_preview",
            r#"{"task_id":"open:x","status":2}"#,
        ),
        ("cancel_anonymous_token", r#"{"cancelled":true}"#),
        (
            "get_download_url",
            r#"{"download_url":"https://cdn/f","checksums":{"md5":"x","crc":1},"sys_metadata":{"size":3},"expires_in":600}"#,
        ),
    ];
    for (op, data) in with_extras {
        decode_answer(op, data)
            .await
            .unwrap_or_else(|e| panic!("{op} with {data}: {e}"));
    }
}
