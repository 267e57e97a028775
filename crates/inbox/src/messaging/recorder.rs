//! Group commit of inbound webhooks: one task writes every webhook waiting at that moment in a
//! single transaction and answers each after the commit. Under a burst, a commit (its WAL write and
//! index flush) serves many webhooks instead of one; alone, a webhook waits for nobody.

use crate::clock;
use crate::domain::whatsapp::InboundBatch;
use crate::store::{Recorded, Store};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Webhooks written in one transaction at the most.
const GROUP: usize = 64;

type Reply = oneshot::Sender<Result<Recorded, String>>;
/// A webhook waiting to be written, with where its outcome goes.
type Waiting = (InboundBatch, Reply);

#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Waiting>,
    waiting: Arc<Mutex<Option<mpsc::Receiver<Waiting>>>>,
}

impl Default for Recorder {
    fn default() -> Self {
        let (queue, waiting) = mpsc::channel(4 * GROUP);
        Self {
            queue,
            waiting: Arc::new(Mutex::new(Some(waiting))),
        }
    }
}

impl Recorder {
    /// Stored when this answers `Ok`.
    pub async fn record(&self, batch: InboundBatch) -> anyhow::Result<Recorded> {
        let (reply, replied) = oneshot::channel();
        self.queue
            .send((batch, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the inbound writer has stopped"))?;
        replied
            .await
            .map_err(|_| anyhow::anyhow!("the inbound writer has stopped"))?
            .map_err(anyhow::Error::msg)
    }

    /// Starts the writer; a second call does nothing.
    pub fn spawn(&self, store: Store) {
        let taken = self
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(mut waiting) = taken else { return };
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(GROUP);
            while waiting.recv_many(&mut group, GROUP).await > 0 {
                write(&store, std::mem::take(&mut group)).await;
            }
        });
    }
}

async fn write(store: &Store, group: Vec<Waiting>) {
    let batches: Vec<&InboundBatch> = group.iter().map(|(batch, _)| batch).collect();
    match store.record_inbound(&batches, clock::now()).await {
        Ok(recorded) => {
            for ((_, reply), recorded) in group.into_iter().zip(recorded) {
                let _ = reply.send(Ok(recorded));
            }
        }
        Err(e) => {
            let why = format!("{e:#}");
            for (_, reply) in group {
                let _ = reply.send(Err(why.clone()));
            }
        }
    }
}
