//! WhatsApp conversations end to end, through HTTP only: a customer writes through the sandbox's
//! simulator, the instance (reached through the router) stores it and pushes it, an agent
//! answers through the Integration API, the answer reaches the emulated 360Dialog, and its
//! statuses come back. Faults: an outage in a burst, the instance killed with a message queued,
//! a revoked key.

mod edges;
mod faults;
mod flow;
mod profile;
mod sleep;

use crate::router_websocket::{admin_token, ready_instance};
use crate::support::{json, TestApp, SANDBOX_KEY};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SIMULATOR: &str = "/sandbox/360dialog/simulator/channels";
const CUSTOMER: &str = "4915112345678";

/// A ready instance reached through the router, as its admin.
struct Inbox<'a> {
    app: &'a TestApp,
    id: String,
    subdomain: String,
    channel: String,
    token: String,
}

impl<'a> Inbox<'a> {
    async fn ready(app: &'a TestApp, subdomain: &str, channel: &str) -> Self {
        let (id, configurator) = ready_instance(app, subdomain, channel).await;
        let token = admin_token(app, subdomain, &configurator).await;
        Self {
            app,
            id,
            subdomain: subdomain.to_owned(),
            channel: channel.to_owned(),
            token,
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let port = self.app.router_addr().port();
        self.app
            .client
            .request(method, format!("http://{}{path}", self.app.router_addr()))
            .header("Host", format!("{}.inbox.localhost:{port}", self.subdomain))
            .header("Authorization", format!("Token {}", self.token))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        json(self.request(Method::GET, path).send().await.unwrap()).await
    }

    async fn send(&self, body: Value) -> (u16, Value) {
        let response = self
            .request(Method::POST, "/api/v1/messages/")
            .json(&body)
            .send();
        json(response.await.unwrap()).await
    }

    async fn send_text(&self, text: &str) -> (u16, Value) {
        self.send(json!({"wa_id": CUSTOMER, "type": "text", "text": {"body": text}}))
            .await
    }

    /// The customer writes; answers the wamid the simulator gave the message.
    async fn customer_writes(&self, text: &str) -> String {
        let path = format!("{SIMULATOR}/{}/inbound", self.channel);
        let body = json!({"from": CUSTOMER, "name": "Ada Lovelace", "text": text});
        let (status, answer) = json(self.app.post_json(&path, SANDBOX_KEY, &body).await).await;
        assert_eq!(
            (status, answer["status"].as_u64()),
            (200, Some(200)),
            "{answer}"
        );
        answer["id"].as_str().unwrap().to_owned()
    }

    /// Every body the channel's key sent to 360Dialog, oldest first.
    async fn sent(&self) -> Vec<Value> {
        let path = format!("{SIMULATOR}/{}/sent", self.channel);
        let (status, sent) = json(self.app.get(&path, SANDBOX_KEY).await).await;
        assert_eq!(status, 200, "{sent}");
        sent["messages"].as_array().unwrap().clone()
    }

    async fn outage(&self, seconds: u64) {
        let path = format!("{SIMULATOR}/{}/outage", self.channel);
        let body = json!({ "seconds": seconds });
        let (status, answer) = json(self.app.post_json(&path, SANDBOX_KEY, &body).await).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// The conversation's messages, newest first.
    async fn messages(&self) -> Vec<Value> {
        let (status, page) = self
            .get(&format!("/api/v1/messages/?wa_id={CUSTOMER}&limit=100"))
            .await;
        assert_eq!(status, 200, "{page}");
        page["results"].as_array().unwrap().clone()
    }
}

/// The texts of the bodies 360Dialog got.
fn texts(sent: &[Value]) -> Vec<String> {
    sent.iter()
        .filter_map(|m| m.pointer("/text/body").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Polls `check` every 50 ms until it answers `Some`, for up to `secs` seconds.
async fn within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
