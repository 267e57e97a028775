//! The number's templates, copied from 360Dialog at start and whenever a client asks.

use crate::state::AppState;
use std::sync::atomic::Ordering;

/// Starts a refresh unless one runs; answers whether this call started it.
pub fn refresh_in_background(state: &AppState) -> bool {
    let running = &state.messaging.templates_refreshing;
    if running.swap(true, Ordering::SeqCst) {
        return false;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = refresh(&state).await {
            tracing::warn!(error = format!("{e:#}"), "template refresh failed");
        }
        state
            .messaging
            .templates_refreshing
            .store(false, Ordering::SeqCst);
    });
    true
}

/// Copies the templates once per run, before the first list is shown.
pub async fn sync_once(state: &AppState) {
    if state.messaging.templates_synced.load(Ordering::SeqCst) {
        return;
    }
    if let Err(e) = refresh(state).await {
        tracing::warn!(error = format!("{e:#}"), "template refresh failed");
    }
}

async fn refresh(state: &AppState) -> anyhow::Result<()> {
    let Some(settings) = state.store.platform_settings().await?.d360 else {
        return Ok(());
    };
    let templates = state.messaging.d360.templates(&settings).await?;
    let kept = state.store.replace_templates(&templates).await?;
    state
        .messaging
        .templates_synced
        .store(true, Ordering::SeqCst);
    tracing::info!(templates = kept, "templates refreshed from 360Dialog");
    Ok(())
}
