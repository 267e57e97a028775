//! The instance's client of 360Dialog's messaging API (`D360-API-KEY`): sending messages,
//! uploading and downloading media, reading the number's templates. The settings are passed to
//! each call, because the platform may change the key while the instance runs.

mod answer;
mod messaging_url;
mod profile;

use crate::store::D360Settings;
use answer::{json, read_capped, success, unavailable};
use messaging_url::{media_id_segment, MessagingUrl};
use reqwest::multipart::{Form, Part};
use reqwest::{header, RequestBuilder, Response};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

const KEY_HEADER: &str = "D360-API-KEY";
/// Every call but the transfer of media bytes.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Media bytes: up to 100 MB take longer than an API call.
const MEDIA_TIMEOUT: Duration = Duration::from_secs(120);
/// The Cloud API's largest media (a document) is 100 MB; nothing bigger is read.
pub const MAX_MEDIA_BYTES: usize = 100 * 1024 * 1024;
/// Templates asked for per page (360Dialog's own maximum).
const TEMPLATE_PAGE: usize = 1000;
/// A bound on paging, whatever `total` an answer claims.
const MAX_TEMPLATE_PAGES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum D360Error {
    /// A network failure, a timeout, a 5xx or a 429: worth trying again later.
    #[error("360Dialog is unavailable: {0}")]
    Unavailable(String),
    /// 401 or 403: the key is no longer valid.
    #[error("360Dialog rejected the API key")]
    KeyRejected,
    /// Any other 4xx, with the Cloud API error's message, code and details.
    #[error("360Dialog refused the request (HTTP {status}): {details}")]
    Refused { status: u16, details: String },
    #[error("unexpected answer from 360Dialog: {0}")]
    Unexpected(String),
}

/// Shared by the instance's clones; the HTTP client (with its TLS roots) is made on the first
/// call, so an instance that never talks to 360Dialog does not carry it.
#[derive(Clone, Default)]
pub struct D360Client {
    http: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
}

#[derive(Deserialize)]
struct SendAnswer {
    messages: Vec<MessageId>,
}

#[derive(Deserialize)]
struct MessageId {
    id: String,
}

#[derive(Deserialize)]
struct MediaId {
    id: String,
}

#[derive(Deserialize)]
struct MediaDescription {
    url: String,
    mime_type: Option<String>,
}

#[derive(Deserialize)]
struct TemplatePage {
    waba_templates: Vec<Value>,
    #[serde(default)]
    total: Option<usize>,
}

impl D360Client {
    fn http(&self) -> Result<&reqwest::Client, D360Error> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let built = Self::build().map_err(|e| D360Error::Unexpected(e.to_string()))?;
        Ok(self.http.get_or_init(|| built))
    }

    fn build() -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .user_agent(concat!("inbox/", env!("CARGO_PKG_VERSION")))
            // One host, used now and then: one idle connection, not kept for long.
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
    }

    /// Sends a Cloud API message body; answers its wamid.
    pub async fn send_message(
        &self,
        settings: &D360Settings,
        body: &Value,
    ) -> Result<String, D360Error> {
        let url = MessagingUrl::parse(&settings.messaging_url)?.endpoint("messages")?;
        let response = self
            .call(settings, self.http()?.post(url).json(body))
            .await?;
        let answer: SendAnswer = json(success(response, "sending").await?, "sending").await?;
        answer
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| D360Error::Unexpected("sending: no message id in the answer".into()))
    }

    /// Uploads a file for sending; answers its media id.
    pub async fn upload_media(
        &self,
        settings: &D360Settings,
        bytes: Vec<u8>,
        mime_type: &str,
        file_name: &str,
    ) -> Result<String, D360Error> {
        let url = MessagingUrl::parse(&settings.messaging_url)?.endpoint("media")?;
        let file = Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(mime_type)
            .map_err(|_| D360Error::Unexpected(format!("not a MIME type: {mime_type:?}")))?;
        let form = Form::new()
            .text("messaging_product", "whatsapp")
            .part("file", file);
        let request = self
            .http()?
            .post(url)
            .multipart(form)
            .timeout(MEDIA_TIMEOUT);
        let response = self.call(settings, request).await?;
        let answer: MediaId = json(success(response, "uploading").await?, "uploading").await?;
        Ok(answer.id)
    }

    /// The bytes and MIME type of a media object, fetched through 360Dialog.
    pub async fn download_media(
        &self,
        settings: &D360Settings,
        media_id: &str,
    ) -> Result<(Vec<u8>, String), D360Error> {
        let messaging = MessagingUrl::parse(&settings.messaging_url)?;
        let url = messaging.endpoint(media_id_segment(media_id)?)?;
        let response = self.call(settings, self.http()?.get(url)).await?;
        let what = "describing media";
        let described: MediaDescription = json(success(response, what).await?, what).await?;
        let url = messaging.media_download(&described.url)?;
        let request = self.http()?.get(url).timeout(MEDIA_TIMEOUT);
        let response = success(self.call(settings, request).await?, "downloading media").await?;
        let mime_type = described
            .mime_type
            .or_else(|| content_type(&response))
            .unwrap_or_else(|| "application/octet-stream".into());
        let bytes = read_capped(response, MAX_MEDIA_BYTES).await?;
        Ok((bytes, mime_type))
    }

    /// Every template of the number, all pages.
    pub async fn templates(&self, settings: &D360Settings) -> Result<Vec<Value>, D360Error> {
        let url = MessagingUrl::parse(&settings.messaging_url)?.endpoint("v1/configs/templates")?;
        let mut templates = Vec::new();
        for _ in 0..MAX_TEMPLATE_PAGES {
            let (limit, offset) = (TEMPLATE_PAGE.to_string(), templates.len().to_string());
            let request = self
                .http()?
                .get(url.clone())
                .query(&[("limit", limit), ("offset", offset)]);
            let response = self.call(settings, request).await?;
            let what = "listing templates";
            let page: TemplatePage = json(success(response, what).await?, what).await?;
            let received = page.waba_templates.len();
            templates.extend(page.waba_templates);
            if received == 0 || templates.len() >= page.total.unwrap_or(0) {
                break;
            }
        }
        Ok(templates)
    }

    async fn call(
        &self,
        settings: &D360Settings,
        request: RequestBuilder,
    ) -> Result<Response, D360Error> {
        request
            .header(KEY_HEADER, &settings.api_key)
            .send()
            .await
            .map_err(unavailable)
    }
}

fn content_type(response: &Response) -> Option<String> {
    let value = response
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(value.to_owned())
}

#[cfg(test)]
mod tests;
