//! The simulated customers of the sandbox numbers: a message from one of them, delivered as the
//! Cloud API webhook to the channel's registered URL, and the list of what a channel sent. Shared
//! by the simulator's HTTP endpoints and the `partner-api sandbox` commands.

use super::media::MAX_MEDIA_BYTES;
use super::outgoing::wa_id;
use super::webhook;
use crate::domain::Timestamp;
use crate::store::sandbox_d360::messages::{self, Direction, NewMessage};
use crate::store::sandbox_d360::{media, webhooks};
use crate::store::Db;
use serde_json::{json, Map, Value};

pub struct Inbound {
    pub from: String,
    /// The customer's profile name; WhatsApp shows the number when there is none.
    pub name: Option<String>,
    pub content: Content,
    /// When the customer wrote; now if not given. An old one leaves the 24-hour window closed.
    pub at: Option<Timestamp>,
}

pub enum Content {
    Text(String),
    Image {
        bytes: Vec<u8>,
        mime_type: String,
        caption: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("channel {0} has no registered webhook")]
    NoWebhook(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the image is larger than {MAX_MEDIA_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What became of an inbound message: recorded under `id`, and the webhook's fate.
pub struct Received {
    pub id: String,
    pub delivery: Delivery,
}

pub enum Delivery {
    /// The HTTP status the webhook's receiver answered.
    Answered(u16),
    /// No answer: the connection failed or timed out.
    Unreachable { url: String, error: String },
}

impl Received {
    /// `{"id","status"}`, or what kept the webhook from being answered.
    pub fn answer(&self) -> Result<Value, String> {
        match &self.delivery {
            Delivery::Answered(status) => Ok(json!({"id": self.id, "status": status})),
            Delivery::Unreachable { url, error } => Err(format!(
                "The webhook at {url} could not be reached: {error}"
            )),
        }
    }
}

/// Records the message (it opens the customer's window even if nobody receives it) and POSTs
/// the Cloud API webhook with the registered headers.
pub async fn send(
    db: &Db,
    http: &reqwest::Client,
    channel_id: &str,
    inbound: Inbound,
) -> Result<Received, CustomerError> {
    let from = wa_id(&inbound.from)
        .ok_or_else(|| CustomerError::Invalid("from must be a phone number of digits".into()))?
        .to_owned();
    let registration = webhooks::get(db, channel_id)
        .await?
        .ok_or_else(|| CustomerError::NoWebhook(channel_id.to_owned()))?;
    let at = inbound.at.unwrap_or_else(Timestamp::now);
    let id = webhook::new_wamid();
    let mut message = json!({"from": from, "id": id, "timestamp": webhook::unix_seconds(at)});
    let media_sha256 = match inbound.content {
        Content::Text(body) => {
            message["type"] = json!("text");
            message["text"] = json!({"body": body});
            None
        }
        Content::Image {
            bytes,
            mime_type,
            caption,
        } => {
            if bytes.len() > MAX_MEDIA_BYTES {
                return Err(CustomerError::TooLarge);
            }
            let stored = media::store(db, channel_id, &mime_type, &bytes).await?;
            let mut image =
                json!({"id": stored.id, "mime_type": stored.mime_type, "sha256": stored.sha256});
            if let Some(caption) = caption {
                image["caption"] = json!(caption);
            }
            message["type"] = json!("image");
            message["image"] = image;
            Some(stored.sha256)
        }
    };
    messages::record(
        db,
        &NewMessage {
            wamid: &id,
            channel_id,
            direction: Direction::In,
            customer_wa_id: &from,
            body: &message,
            media_sha256: media_sha256.as_deref(),
            at,
        },
    )
    .await?;
    let name = inbound.name.unwrap_or_else(|| from.clone());
    let mut fields = Map::new();
    fields.insert(
        "contacts".into(),
        json!([{"profile": {"name": name}, "wa_id": from}]),
    );
    fields.insert("messages".into(), json!([message]));
    let body = webhook::body(channel_id, fields);
    let delivery = match webhook::deliver(http, &registration, &body).await {
        Ok(status) => Delivery::Answered(status),
        Err(e) => Delivery::Unreachable {
            url: registration.url,
            error: e.without_url().to_string(),
        },
    };
    Ok(Received { id, delivery })
}

/// `{"messages":[…]}`: every body the channel sent, oldest first, each with its `id` (wamid)
/// and, when it sent uploaded media, the `sha256` of the bytes.
pub async fn sent(db: &Db, channel_id: &str) -> anyhow::Result<Value> {
    let sent = messages::sent(db, channel_id).await?;
    let listed: Vec<Value> = sent
        .into_iter()
        .map(|message| {
            let mut body = match message.body {
                Value::Object(body) => body,
                other => Map::from_iter([("body".to_owned(), other)]),
            };
            body.insert("id".into(), json!(message.wamid));
            if let Some(sha256) = message.media_sha256 {
                body.insert("sha256".into(), json!(sha256));
            }
            Value::Object(body)
        })
        .collect();
    Ok(json!({"messages": listed}))
}
