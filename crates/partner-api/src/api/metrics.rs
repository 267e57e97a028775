//! `GET /metrics`: the Prometheus text page, with the instance and event counts read from the database at
//! each scrape. Not in the OpenAPI document: it is for the operator's monitoring, not partners.

use super::error::ApiError;
use super::AppState;
use crate::domain::InstanceStatus;
use crate::store::events::{self, EventStatus};
use crate::store::instances;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

pub async fn scrape(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let counts = instances::count_by_status(&state.db).await?;
    for status in InstanceStatus::ALL {
        crate::metrics::set_instances(status.as_str(), count_of(&counts, status));
    }
    crate::metrics::set_instances_by_node(&instances::count_by_node(&state.db).await?);
    let events = events::count_by_status(&state.db).await?;
    for status in [
        EventStatus::Pending,
        EventStatus::Delivered,
        EventStatus::Failed,
    ] {
        crate::metrics::set_events(status.as_str(), count_of(&events, status));
    }
    let page = crate::metrics::install().render();
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        page,
    ))
}

/// The count of `status`, 0 when no row has it.
fn count_of<S: PartialEq>(counts: &[(S, i64)], status: S) -> i64 {
    counts
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| *n)
}
