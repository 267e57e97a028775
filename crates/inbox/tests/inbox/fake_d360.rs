//! A stand-in for 360Dialog's messaging API on a local port: it lists the templates it was given
//! and takes every message, answering `wamid.fake.N` and keeping what it was sent.

use crate::support::Instance;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct FakeD360 {
    pub url: String,
    sent: Arc<Mutex<Vec<Value>>>,
    /// The raw multipart bodies of the files uploaded to `/media`, in order.
    uploads: Arc<Mutex<Vec<Vec<u8>>>>,
    /// The business profile, as `/whatsapp_business_profile` serves and changes it.
    profile: Arc<Mutex<Value>>,
    /// While set, the business profile endpoint answers 503.
    down: Arc<AtomicBool>,
}

impl FakeD360 {
    pub async fn start(templates: Vec<Value>) -> Self {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&sent);
        let total = templates.len();
        let app =
            Router::new()
                .route(
                    "/v1/configs/templates",
                    get(move || async move {
                        Json(json!({"waba_templates": templates, "total": total}))
                    }),
                )
                .route(
                    "/messages",
                    post(move |Json(body): Json<Value>| async move {
                        let mut sent = kept.lock().unwrap();
                        sent.push(body);
                        let wamid = format!("wamid.fake.{}", sent.len());
                        Json(json!({"messaging_product": "whatsapp", "messages": [{"id": wamid}]}))
                    }),
                );
        let uploads = Arc::new(Mutex::new(Vec::new()));
        let app = app.route(
            "/media",
            post({
                let uploads = Arc::clone(&uploads);
                move |body: axum::body::Bytes| async move {
                    let mut uploads = uploads.lock().unwrap();
                    uploads.push(body.to_vec());
                    Json(json!({"id": format!("media.fake.{}", uploads.len())}))
                }
            }),
        );
        let profile = Arc::new(Mutex::new(json!({
            "about": "Hello from the shop", "address": "", "description": "", "email": "",
            "vertical": "RETAIL", "websites": [], "messaging_product": "whatsapp",
        })));
        let down = Arc::new(AtomicBool::new(false));
        let app = app.route(
            "/whatsapp_business_profile",
            get({
                let (profile, down) = (Arc::clone(&profile), Arc::clone(&down));
                move || async move {
                    if down.load(Ordering::SeqCst) {
                        return Err(StatusCode::SERVICE_UNAVAILABLE);
                    }
                    Ok(Json(json!({"data": [profile.lock().unwrap().clone()]})))
                }
            })
            .post({
                let (profile, down) = (Arc::clone(&profile), Arc::clone(&down));
                move |Json(body): Json<Value>| async move {
                    if down.load(Ordering::SeqCst) {
                        return Err(StatusCode::SERVICE_UNAVAILABLE);
                    }
                    let mut profile = profile.lock().unwrap();
                    for (field, value) in body.as_object().unwrap() {
                        profile[field] = value.clone();
                    }
                    Ok(Json(json!({"success": true})))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            sent,
            uploads,
            profile,
            down,
        }
    }

    /// The business profile as WhatsApp has it now.
    pub fn profile(&self) -> Value {
        self.profile.lock().unwrap().clone()
    }

    /// Makes the business profile endpoint answer 503 (`true`) or work again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The bodies of the messages it took, in order.
    pub fn sent(&self) -> Vec<Value> {
        self.sent.lock().unwrap().clone()
    }

    /// The raw multipart bodies of the files uploaded to it (`media.fake.N` is the N-th).
    pub fn uploads(&self) -> Vec<Vec<u8>> {
        self.uploads.lock().unwrap().clone()
    }

    /// Makes the instance send through this fake, and copy its templates.
    pub async fn serve(&self, instance: &Instance, templates: u64) {
        let settings = json!({"d360": {"api_key": "fake-key", "messaging_url": self.url}});
        let (status, body) = instance
            .platform()
            .put("/api/v1/platform/settings", settings)
            .await;
        assert_eq!(status, 200, "{body}");
        let started = Instant::now();
        loop {
            let configurator = instance.configurator();
            configurator
                .post("/api/v1/templates/refresh/issue/", json!({}))
                .await;
            let (_, listed) = configurator.get("/api/v1/templates/").await;
            if listed["count"] == templates {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "templates never copied"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A shop's two templates: one this inbox's form can send, one with a variable it cannot.
pub fn shop_templates() -> Vec<Value> {
    vec![
        template("back_in_stock", "Good news: your item is back in stock."),
        template("order_update", "Your order {{1}} has shipped."),
    ]
}

/// An approved template with a body, and maybe a variable in it.
pub fn template(name: &str, body: &str) -> Value {
    json!({"name": name, "language": "en_US", "status": "approved", "category": "UTILITY",
           "components": [{"type": "BODY", "text": body}]})
}
