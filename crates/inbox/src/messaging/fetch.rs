//! Received media: fetched from 360Dialog with the instance's key and kept, in the background
//! as messages arrive and again on demand when a fetch failed.

use super::d360::D360Error;
use crate::state::AppState;
use sha2::{Digest, Sha256};

/// Fetches and keeps one received file; true when its bytes are now on disk.
pub async fn fetch_media(state: &AppState, id: &str) -> anyhow::Result<bool> {
    let Some(settings) = state.store.platform_settings().await?.d360 else {
        return Ok(false);
    };
    let (bytes, mime_type) = match state.messaging.d360.download_media(&settings, id).await {
        Ok(found) => found,
        Err(D360Error::KeyRejected) => {
            state.messaging.key_rejected();
            return Ok(false);
        }
        Err(e) => {
            tracing::warn!(media = id, error = %e, "cannot fetch media from 360Dialog");
            return Ok(false);
        }
    };
    state.messaging.media.write(id, &bytes).await?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    state
        .store
        .media_stored(id, bytes.len() as i64, &mime_type, &sha256)
        .await?;
    Ok(true)
}

/// Fetches each file in the background, one after another.
pub fn fetch_in_background(state: &AppState, ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        for id in ids {
            if let Err(e) = fetch_media(&state, &id).await {
                tracing::warn!(
                    media = id,
                    error = format!("{e:#}"),
                    "keeping received media"
                );
            }
        }
    });
}
