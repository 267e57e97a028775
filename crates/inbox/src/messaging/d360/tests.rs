//! The client against a fake 360Dialog on the loopback interface.

use super::*;
use axum::extract::{Multipart, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;

const KEY: &str = "the-key";

async fn serve(app: Router) -> D360Settings {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    D360Settings {
        api_key: KEY.into(),
        messaging_url: format!("http://{address}/"),
    }
}

fn has_key(headers: &HeaderMap) -> bool {
    headers.get(KEY_HEADER).is_some_and(|k| k == KEY)
}

fn client() -> D360Client {
    D360Client::default()
}

#[tokio::test]
async fn a_sent_message_answers_its_wamid() {
    let app = Router::new().route(
        "/messages",
        post(|headers: HeaderMap, Json(body): Json<Value>| async move {
            assert!(has_key(&headers));
            assert_eq!(body["to"], "4915112345678");
            Json(json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]}))
        }),
    );
    let settings = serve(app).await;

    let body = json!({"messaging_product": "whatsapp", "to": "4915112345678", "type": "text"});
    let wamid = client().send_message(&settings, &body).await.unwrap();

    assert_eq!(wamid, "wamid.1");
}

#[tokio::test]
async fn answers_become_errors_the_sender_can_act_on() {
    let app = Router::new()
        .route("/a/messages", post(|| async { StatusCode::UNAUTHORIZED }))
        .route(
            "/b/messages",
            post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .route(
            "/c/messages",
            post(|| async { StatusCode::TOO_MANY_REQUESTS }),
        )
        .route(
            "/d/messages",
            post(|| async {
                let error = json!({"error": {"message": "Invalid parameter", "code": 100,
                    "error_data": {"details": "to is not a phone number"}}});
                (StatusCode::BAD_REQUEST, Json(error))
            }),
        );
    let base = serve(app).await;
    let at = |prefix: &str| D360Settings {
        api_key: KEY.into(),
        messaging_url: format!("{}{prefix}", base.messaging_url),
    };
    let client = client();
    let send = |settings: D360Settings| {
        let client = client.clone();
        async move { client.send_message(&settings, &json!({})).await }
    };

    assert!(matches!(send(at("a")).await, Err(D360Error::KeyRejected)));
    assert!(matches!(
        send(at("b")).await,
        Err(D360Error::Unavailable(_))
    ));
    assert!(matches!(
        send(at("c")).await,
        Err(D360Error::Unavailable(_))
    ));
    match send(at("d")).await {
        Err(D360Error::Refused { status, details }) => {
            assert_eq!(status, 400);
            assert_eq!(
                details,
                "Invalid parameter (code 100): to is not a phone number"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_360dialog_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let settings = D360Settings {
        api_key: KEY.into(),
        messaging_url: format!("http://{address}"),
    };

    let sent = client().send_message(&settings, &json!({})).await;

    assert!(matches!(sent, Err(D360Error::Unavailable(_))), "{sent:?}");
}

#[tokio::test]
async fn an_upload_is_multipart_with_the_product_and_the_typed_file() {
    let app = Router::new().route(
        "/media",
        post(|headers: HeaderMap, mut form: Multipart| async move {
            assert!(has_key(&headers));
            let mut fields = HashMap::new();
            while let Some(field) = form.next_field().await.unwrap() {
                let name = field.name().unwrap().to_owned();
                let described = format!(
                    "{:?} {:?}",
                    field.file_name().map(str::to_owned),
                    field.content_type().map(str::to_owned)
                );
                let bytes = field.bytes().await.unwrap();
                fields.insert(name, (described, bytes));
            }
            assert_eq!(fields["messaging_product"].1, "whatsapp");
            assert_eq!(fields["file"].0, r#"Some("photo.png") Some("image/png")"#);
            assert_eq!(fields["file"].1, &b"\x89PNG"[..]);
            Json(json!({"id": "media-7"}))
        }),
    );
    let settings = serve(app).await;

    let id = client()
        .upload_media(&settings, b"\x89PNG".to_vec(), "image/png", "photo.png")
        .await
        .unwrap();

    assert_eq!(id, "media-7");
}

#[tokio::test]
async fn media_on_the_facebook_cdn_is_downloaded_through_360dialog_with_the_key() {
    let app = Router::new()
        .route(
            "/media-7",
            get(|headers: HeaderMap| async move {
                assert!(has_key(&headers));
                Json(json!({
                    "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=7&hash=x",
                    "mime_type": "image/jpeg", "id": "media-7"
                }))
            }),
        )
        .route(
            "/whatsapp_business/attachments/",
            get(
                |headers: HeaderMap, Query(q): Query<HashMap<String, String>>| async move {
                    assert!(has_key(&headers));
                    assert_eq!(q["mid"], "7");
                    assert_eq!(q["hash"], "x");
                    b"jpeg bytes".to_vec()
                },
            ),
        );
    let settings = serve(app).await;

    let (bytes, mime) = client().download_media(&settings, "media-7").await.unwrap();

    assert_eq!(bytes, b"jpeg bytes");
    assert_eq!(mime, "image/jpeg");
}

#[tokio::test]
async fn media_described_on_a_third_host_is_not_fetched() {
    let app = Router::new().route(
        "/media-7",
        get(|| async {
            Json(json!({"url": "http://127.0.0.2:9/steal", "mime_type": "image/png"}))
        }),
    );
    let settings = serve(app).await;

    let fetched = client().download_media(&settings, "media-7").await;

    assert!(
        matches!(fetched, Err(D360Error::Unexpected(_))),
        "{fetched:?}"
    );
}

#[tokio::test]
async fn templates_are_read_page_by_page_up_to_the_total() {
    let app = Router::new().route(
        "/v1/configs/templates",
        get(|Query(q): Query<HashMap<String, usize>>| async move {
            let offset = q["offset"];
            // Fewer per page than asked, as a server may decide.
            let page: Vec<_> = (offset..(offset + 2).min(5))
                .map(|n| json!({"name": format!("t{n}")}))
                .collect();
            Json(json!({"waba_templates": page, "total": 5, "offset": offset}))
        }),
    );
    let settings = serve(app).await;

    let templates = client().templates(&settings).await.unwrap();

    let names: Vec<_> = templates.iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, ["t0", "t1", "t2", "t3", "t4"]);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let app = Router::new().route(
        "/messages",
        post(|| async {
            (
                StatusCode::FOUND,
                [("location", "http://127.0.0.2:9/messages")],
            )
                .into_response()
        }),
    );
    let settings = serve(app).await;

    let sent = client().send_message(&settings, &json!({})).await;

    assert!(matches!(sent, Err(D360Error::Unexpected(_))), "{sent:?}");
}

#[tokio::test]
async fn a_body_longer_than_the_cap_is_not_read_whether_announced_or_streamed() {
    let streamed = || {
        let chunks = ["abc", "def"].map(|c| Ok::<_, std::io::Error>(c.as_bytes().to_vec()));
        axum::body::Body::from_stream(futures_util::stream::iter(chunks))
    };
    let app = Router::new()
        .route("/announced", get(|| async { "abcdef" }))
        .route("/streamed", get(move || async move { streamed() }));
    let settings = serve(app).await;
    let http = reqwest::Client::new();

    for path in ["announced", "streamed"] {
        let url = format!("{}{path}", settings.messaging_url);
        let response = http.get(&url).send().await.unwrap();
        let read = answer::read_capped(response, 5).await;
        assert!(
            matches!(read, Err(D360Error::Unexpected(_))),
            "{path}: {read:?}"
        );
        let response = http.get(&url).send().await.unwrap();
        assert_eq!(answer::read_capped(response, 6).await.unwrap(), b"abcdef");
    }
}
