//! `GET /metrics`: the Prometheus text page, with the instance counts read from the database at
//! each scrape. Not in the OpenAPI document: it is for the operator's monitoring, not partners.

use super::error::ApiError;
use super::AppState;
use crate::domain::InstanceStatus;
use crate::store::instances;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

pub async fn scrape(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let counts = instances::count_by_status(&state.db).await?;
    for status in InstanceStatus::ALL {
        let count = counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        crate::metrics::set_instances(status.as_str(), count);
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
