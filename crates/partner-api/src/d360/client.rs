//! HTTP client of the 360Dialog hub API (`X-API-Key`) and messaging API (`D360-API-KEY`).

use super::PhoneNumber;
use crate::domain::{ChannelId, D360ApiKey};
use crate::store::partners::HubCredentials;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum D360Error {
    #[error("360Dialog rejected the API key")]
    InvalidKey,
    #[error("{0}")]
    ChannelNotAvailable(String),
    #[error("360Dialog rejected the partner's hub credentials (HTTP {0})")]
    HubCredentialsRejected(u16),
    /// Worth retrying: a network failure, a timeout, a 5xx or a 429.
    #[error("360Dialog is unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected answer from 360Dialog: {0}")]
    Unexpected(String),
}

#[derive(Clone)]
pub struct D360Client {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ApiKeyAnswer {
    api_key: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ApiKeysAnswer {
    One(ApiKeyAnswer),
    Many { api_keys: Vec<ApiKeyAnswer> },
}

fn unavailable(err: reqwest::Error) -> D360Error {
    D360Error::Unavailable(err.without_url().to_string())
}

/// Sorts an answer that is not a success into the error a deployment acts on.
fn classify(status: StatusCode, what: &str) -> D360Error {
    match status.as_u16() {
        429 | 500..=599 => D360Error::Unavailable(format!("{what}: HTTP {status}")),
        _ => D360Error::Unexpected(format!("{what}: HTTP {status}")),
    }
}

impl D360Client {
    pub fn new(timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("partner-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with static settings builds");
        Self { http }
    }

    fn hub_url(hub: &HubCredentials, path: &str) -> String {
        format!(
            "{}/partners/{}{path}",
            hub.hub_url.trim_end_matches('/'),
            hub.hub_partner_id
        )
    }

    /// A new key for the channel; 360Dialog revokes the channel's previous one.
    pub async fn issue_channel_key(
        &self,
        hub: &HubCredentials,
        channel: &ChannelId,
    ) -> Result<D360ApiKey, D360Error> {
        let url = Self::hub_url(hub, &format!("/channels/{channel}/api_keys"));
        let response = self
            .http
            .post(url)
            .header("X-API-Key", &hub.hub_api_key)
            .json(&serde_json::json!({}))
            .send()
            .await
            .map_err(unavailable)?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED => return Err(D360Error::HubCredentialsRejected(401)),
            StatusCode::FORBIDDEN => {
                return Err(D360Error::ChannelNotAvailable(format!(
                    "The partner has no permission to generate an API key for channel ID {channel}."
                )))
            }
            StatusCode::NOT_FOUND => {
                return Err(D360Error::ChannelNotAvailable(format!(
                    "360Dialog does not know channel ID {channel}."
                )))
            }
            s => return Err(classify(s, "generating an API key")),
        }
        let answer: ApiKeysAnswer = response
            .json()
            .await
            .map_err(|e| D360Error::Unexpected(e.to_string()))?;
        let raw = match answer {
            ApiKeysAnswer::One(one) => one.api_key,
            ApiKeysAnswer::Many { api_keys } => api_keys
                .into_iter()
                .next()
                .map(|k| k.api_key)
                .ok_or_else(|| D360Error::Unexpected("an empty api_keys list".into()))?,
        };
        D360ApiKey::parse(&raw)
            .map_err(|e| D360Error::Unexpected(format!("the generated key: {e}")))
    }

    /// The phone number of a channel, from the hub's channel list filtered by id.
    pub async fn channel_phone_number(
        &self,
        hub: &HubCredentials,
        channel: &ChannelId,
    ) -> Result<PhoneNumber, D360Error> {
        let filters = serde_json::json!({"id": channel.as_str()}).to_string();
        let response = self
            .http
            .get(Self::hub_url(hub, "/channels"))
            .query(&[("filters", filters.as_str())])
            .header("X-API-Key", &hub.hub_api_key)
            .send()
            .await
            .map_err(unavailable)?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED => return Err(D360Error::HubCredentialsRejected(401)),
            StatusCode::FORBIDDEN => return Err(D360Error::HubCredentialsRejected(403)),
            s => return Err(classify(s, "listing channels")),
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| D360Error::Unexpected(e.to_string()))?;
        let channels = body
            .get("partner_channels")
            .or_else(|| body.get("channels"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                D360Error::Unexpected("no partner_channels in the channel list".into())
            })?;
        let found = channels
            .iter()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(channel.as_str()))
            .ok_or_else(|| {
                D360Error::ChannelNotAvailable(format!(
                    "360Dialog does not know channel ID {channel}."
                ))
            })?;
        found
            .pointer("/setup_info/phone_number")
            .and_then(Value::as_str)
            .and_then(PhoneNumber::parse)
            .ok_or_else(|| {
                D360Error::ChannelNotAvailable(format!(
                    "Channel ID {channel} has no phone number set up yet."
                ))
            })
    }

    /// A call of the messaging API with the number's key; `401` and `403` mean the key is invalid.
    async fn messaging(
        &self,
        request: reqwest::RequestBuilder,
        key: &D360ApiKey,
        what: &str,
    ) -> Result<reqwest::Response, D360Error> {
        let response = request
            .header("D360-API-KEY", key.expose())
            .send()
            .await
            .map_err(unavailable)?;
        match response.status() {
            s if s.is_success() => Ok(response),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(D360Error::InvalidKey),
            s => Err(classify(s, what)),
        }
    }

    fn messaging_url(messaging_url: &str, path: &str) -> String {
        format!("{}{path}", messaging_url.trim_end_matches('/'))
    }

    /// The phone number a key sends from, from the messaging API's health status.
    pub async fn key_phone_number(
        &self,
        messaging_url: &str,
        key: &D360ApiKey,
    ) -> Result<PhoneNumber, D360Error> {
        let url = Self::messaging_url(messaging_url, "/health_status");
        let response = self
            .messaging(self.http.get(url), key, "checking the API key")
            .await?;
        let body: Value = response
            .json()
            .await
            .map_err(|e| D360Error::Unexpected(e.to_string()))?;
        let entities = body
            .pointer("/health_status/entities")
            .and_then(Value::as_array)
            .ok_or_else(|| D360Error::Unexpected("no health_status.entities".into()))?;
        entities
            .iter()
            .filter(|e| e.get("entity_type").and_then(Value::as_str) == Some("PHONE_NUMBER"))
            .find_map(|e| {
                e.get("phone_number")
                    .and_then(Value::as_str)
                    .and_then(PhoneNumber::parse)
            })
            .ok_or_else(|| {
                D360Error::Unexpected("no PHONE_NUMBER entity with a phone_number".into())
            })
    }

    /// Tells 360Dialog where to deliver the number's webhooks and which headers to send with
    /// them; it replaces the number's previous registration.
    pub async fn register_webhook(
        &self,
        messaging_url: &str,
        key: &D360ApiKey,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<(), D360Error> {
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), Value::from(*value)))
            .collect();
        let request = self
            .http
            .post(Self::messaging_url(messaging_url, "/v1/configs/webhook"))
            .json(&serde_json::json!({"url": url, "headers": headers}));
        self.messaging(request, key, "registering the webhook")
            .await
            .map(drop)
    }
}
