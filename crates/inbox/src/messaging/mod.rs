//! WhatsApp through 360Dialog: the inbound webhook, the outbox sender, the messaging client,
//! received media and the template synchronisation.

pub mod chat_actions;
pub mod d360;
pub mod fetch;
pub mod inbound;
pub mod media_files;
pub mod media_kind;
pub mod outbox;
pub mod recorder;
pub mod send;
pub mod served_media;
pub mod templates;
pub mod uploads;

use d360::D360Client;
use media_files::MediaFiles;
use outbox::Outbox;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What the messaging parts share.
#[derive(Clone)]
pub struct Messaging {
    pub d360: D360Client,
    pub media: MediaFiles,
    pub outbox: Outbox,
    pub recorder: recorder::Recorder,
    pub templates_refreshing: Arc<AtomicBool>,
    /// The templates were copied from 360Dialog since this run started.
    pub templates_synced: Arc<AtomicBool>,
    /// 360Dialog refused the instance's key since it last accepted it.
    key_rejected: Arc<AtomicBool>,
}

impl Messaging {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            d360: D360Client::default(),
            media: MediaFiles::new(data_dir),
            outbox: Outbox::default(),
            recorder: recorder::Recorder::default(),
            templates_refreshing: Arc::default(),
            templates_synced: Arc::default(),
            key_rejected: Arc::default(),
        }
    }

    pub fn key_rejected(&self) {
        if !self.key_rejected.swap(true, Ordering::SeqCst) {
            tracing::error!("360Dialog refused the instance's API key: messages cannot be sent until the partner renews it");
        }
    }

    pub fn key_accepted(&self) {
        self.key_rejected.store(false, Ordering::SeqCst);
    }

    pub fn is_key_rejected(&self) -> bool {
        self.key_rejected.load(Ordering::SeqCst)
    }
}

/// The background work of a starting instance: the queued messages and received media whose
/// fetch was interrupted. (Templates are copied on first use: an instance nobody opens never
/// talks to 360Dialog.)
pub fn start(state: &crate::state::AppState) {
    state.messaging.recorder.spawn(state.store.clone());
    outbox::spawn_sender(state.clone());
    let resume = state.clone();
    tokio::spawn(async move {
        match resume.store.media_to_fetch().await {
            Ok(ids) => fetch::fetch_in_background(&resume, ids),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "listing media to fetch"),
        }
    });
}
