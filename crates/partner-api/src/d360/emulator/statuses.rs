//! What happens to a message after `POST /messages` accepted it: the status webhooks WhatsApp
//! would send, `sent`, `delivered` and `read` within a second, or one `failed` status when the
//! customer's 24-hour window is closed.

use super::webhook;
use crate::domain::Timestamp;
use crate::store::sandbox_d360::{messages, webhooks};
use crate::store::Db;
use serde_json::{json, Map, Value};
use std::time::Duration;

const WINDOW_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// When each status goes out, after the message was accepted.
const DELIVERED: &[(&str, u64)] = &[("sent", 50), ("delivered", 150), ("read", 300)];
const FAILED: &[(&str, u64)] = &[("failed", 50)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Error 131047: free-form messages need the customer to have written within 24 hours.
    OutsideWindow,
}

pub async fn fate(
    db: &Db,
    channel_id: &str,
    wa_id: &str,
    needs_window: bool,
) -> anyhow::Result<Fate> {
    if !needs_window {
        return Ok(Fate::Delivered);
    }
    let last = messages::last_inbound_at(db, channel_id, wa_id).await?;
    let cutoff = Timestamp::now().millis() - WINDOW_MILLIS;
    Ok(match last {
        Some(at) if at.millis() > cutoff => Fate::Delivered,
        _ => Fate::OutsideWindow,
    })
}

pub struct Accepted {
    pub channel_id: String,
    pub wamid: String,
    pub wa_id: String,
    pub fate: Fate,
}

/// Sends the message's statuses in order from a task of their own, to the webhook registered
/// when each one goes out. A status nobody receives is dropped, as WhatsApp would after retries.
pub fn spawn(db: Db, http: reqwest::Client, accepted: Accepted) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let schedule = match accepted.fate {
            Fate::Delivered => DELIVERED,
            Fate::OutsideWindow => FAILED,
        };
        for (status, after_ms) in schedule {
            tokio::time::sleep_until(start + Duration::from_millis(*after_ms)).await;
            let registration = match webhooks::get(&db, &accepted.channel_id).await {
                Ok(Some(registration)) => registration,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "sandbox status not sent: reading the webhook");
                    return;
                }
            };
            let body = webhook::body(&accepted.channel_id, fields(&accepted, status));
            if let Err(e) = webhook::deliver(&http, &registration, &body).await {
                tracing::debug!(error = %e, status, url = %registration.url, "sandbox status not delivered");
            }
        }
    });
}

fn fields(accepted: &Accepted, status: &str) -> Map<String, Value> {
    let mut object = json!({
        "id": accepted.wamid,
        "status": status,
        "timestamp": webhook::unix_seconds(Timestamp::now()),
        "recipient_id": accepted.wa_id,
    });
    if status == "failed" {
        object["errors"] = json!([{
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        }]);
    }
    let mut fields = Map::new();
    fields.insert("statuses".into(), json!([object]));
    fields
}
