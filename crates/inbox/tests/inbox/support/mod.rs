//! Starting an instance, and the clients that talk to it.

pub mod browser;
pub mod html;
pub mod instance;
pub mod socket;
pub mod web;

pub use instance::{Instance, Spec};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";

/// The JSON API as one caller (`Authorization: Token …`) sees it: status and body of each call.
pub struct Api<'a> {
    instance: &'a Instance,
    client: reqwest::Client,
}

impl Api<'_> {
    /// The caller's HTTP client, for requests the helpers below do not make (multipart, bytes).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Instance {
    pub fn api(&self, token: &str) -> Api<'_> {
        Api {
            instance: self,
            client: api_client(token),
        }
    }

    pub fn anonymous(&self) -> Api<'_> {
        Api {
            instance: self,
            client: reqwest::Client::new(),
        }
    }

    pub fn configurator(&self) -> Api<'_> {
        self.api(&self.configurator_token)
    }

    pub fn platform(&self) -> Api<'_> {
        self.api(&self.platform_token)
    }

    /// The API as `username`, with a token obtained with the test password.
    pub async fn signed_in(&self, username: &str) -> Api<'_> {
        let response = token_for(self, username, PASSWORD).await;
        assert_eq!(response.status(), 200, "{username} signs in");
        let body: Value = response.json().await.expect("json");
        self.api(body["token"].as_str().expect("a token"))
    }

    /// Adds a user with the test password as the configurator; panics unless it is created.
    pub async fn add_user(&self, username: &str, role: &str) -> Value {
        let body = json!({"username": username, "password": PASSWORD, "role": role});
        let (status, user) = self.configurator().post("/api/v1/users/", body).await;
        assert_eq!(status, 201, "adding {username}: {user}");
        user
    }
}

impl Api<'_> {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, self.instance.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }
}

/// A JSON client that sends `Authorization: Token <token>`.
pub fn api_client(token: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Token {token}")).expect("valid header");
    headers.insert(AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Asks for a new API token with a user name and password.
pub async fn token_for(instance: &Instance, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(instance.url("/api/v1/auth/token/"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request")
}
