//! The messages of the emulated channels: those the channel's key sent (`out`) and those the
//! customer simulator received (`in`), whose times open WhatsApp's 24-hour window.

use crate::domain::Timestamp;
use crate::store::Db;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

pub struct NewMessage<'a> {
    pub wamid: &'a str,
    pub channel_id: &'a str,
    pub direction: Direction,
    pub customer_wa_id: &'a str,
    pub body: &'a Value,
    pub media_sha256: Option<&'a str>,
    pub at: Timestamp,
}

pub async fn record(db: &Db, message: &NewMessage<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_d360_messages (wamid, channel_id, direction, customer_wa_id, body, media_sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(message.wamid)
    .bind(message.channel_id)
    .bind(message.direction.as_str())
    .bind(message.customer_wa_id)
    .bind(message.body.to_string())
    .bind(message.media_sha256)
    .bind(message.at.millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// When the customer last wrote to the channel, if ever.
pub async fn last_inbound_at(
    db: &Db,
    channel_id: &str,
    customer_wa_id: &str,
) -> anyhow::Result<Option<Timestamp>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(created_at) FROM sandbox_d360_messages \
         WHERE channel_id = $1 AND direction = 'in' AND customer_wa_id = $2",
    )
    .bind(channel_id)
    .bind(customer_wa_id)
    .fetch_one(db.pool())
    .await?;
    Ok(at.map(Timestamp::from_millis))
}

pub struct SentMessage {
    pub wamid: String,
    pub body: Value,
    pub media_sha256: Option<String>,
}

/// Every message the channel sent, oldest first.
pub async fn sent(db: &Db, channel_id: &str) -> anyhow::Result<Vec<SentMessage>> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT wamid, body, media_sha256 FROM sandbox_d360_messages \
         WHERE channel_id = $1 AND direction = 'out' ORDER BY seq",
    )
    .bind(channel_id)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|(wamid, body, media_sha256)| {
            Ok(SentMessage {
                wamid,
                body: serde_json::from_str(&body)?,
                media_sha256,
            })
        })
        .collect()
}
