//! Follows the engine's events about our containers, so the reconciler acts as soon as one dies
//! or starts (a restart may publish its port elsewhere), and on a swarm about its nodes (one
//! that goes down or comes back). After the stream breaks (dockerd restarted) it connects again
//! and wakes the reconciler once, for what it may have missed.

use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Our containers dying or starting.
pub fn containers() -> HashMap<String, Vec<String>> {
    let mut filters = super::label_filter(None);
    filters.insert("type".to_owned(), vec!["container".to_owned()]);
    filters.insert(
        "event".to_owned(),
        vec!["die".to_owned(), "start".to_owned()],
    );
    filters
}

/// Any change of a swarm node (its state among them).
pub fn nodes() -> HashMap<String, Vec<String>> {
    HashMap::from([("type".to_owned(), vec!["node".to_owned()])])
}

pub async fn follow(
    docker: Docker,
    filters: HashMap<String, Vec<String>>,
    wake: Arc<Notify>,
    stop: CancellationToken,
) {
    let mut connected_before = false;
    while !stop.is_cancelled() {
        let options = EventsOptions {
            filters: Some(filters.clone()),
            ..Default::default()
        };
        let mut events = docker.events(Some(options));
        if connected_before {
            wake.notify_one();
        }
        connected_before = true;
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                event = events.next() => match event {
                    Some(Ok(event)) => {
                        tracing::debug!(kind = ?event.typ, action = ?event.action, "engine event");
                        wake.notify_one();
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "the Docker events stream broke");
                        break;
                    }
                    None => break,
                },
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
