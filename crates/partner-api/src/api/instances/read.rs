//! `GET /v1/instances` and `GET /v1/instances/{id}` (with `wait_for`).

use super::object::InstanceObject;
use crate::api::auth::Partner;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::domain::{FieldIssue, InstanceStatus};
use crate::store::instances::{self, ListFilter};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use utoipa::ToSchema;

pub const MAX_WAIT: Duration = Duration::from_secs(60);
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

#[derive(Serialize, ToSchema)]
pub struct InstanceList {
    /// How many instances match in all.
    count: i64,
    results: Vec<InstanceObject>,
}

fn query_issue(name: &str, msg: &str, kind: &str) -> FieldIssue {
    FieldIssue::new(vec![json!("query"), json!(name)], msg, kind)
}

fn int_param(
    params: &HashMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    issues: &mut Vec<FieldIssue>,
) -> i64 {
    let Some(raw) = params.get(name) else {
        return default;
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => n,
        Ok(_) => {
            issues.push(query_issue(
                name,
                &format!(
                    "Input should be between {} and {}",
                    range.start(),
                    range.end()
                ),
                "value_error",
            ));
            default
        }
        Err(_) => {
            issues.push(query_issue(
                name,
                "Input should be a valid integer",
                "int_parsing",
            ));
            default
        }
    }
}

fn status_param(
    params: &HashMap<String, String>,
    name: &str,
    issues: &mut Vec<FieldIssue>,
) -> Option<InstanceStatus> {
    let raw = params.get(name)?;
    let status = InstanceStatus::parse(raw);
    if status.is_none() {
        let allowed: Vec<&str> = InstanceStatus::ALL.iter().map(|s| s.as_str()).collect();
        issues.push(query_issue(
            name,
            &format!("Input should be one of: {}", allowed.join(", ")),
            "enum",
        ));
    }
    status
}

/// List instances (extension): this partner's instances, newest first.
#[utoipa::path(get, path = "/v1/instances", tag = "instances", security(("APIKey" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "1 to 200, default 50"),
        ("offset" = Option<i64>, Query, description = "default 0"),
        ("status" = Option<InstanceStatus>, Query, description = "only instances in this status"),
        ("channel_id" = Option<String>, Query, description = "only instances of this channel"),
    ),
    responses((status = 200, body = InstanceList), (status = 401, description = "Not authenticated"), (status = 422, description = "Invalid query")))]
pub async fn list(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InstanceList>, ApiError> {
    let mut issues = Vec::new();
    let filter = ListFilter {
        limit: int_param(&params, "limit", 50, 1..=200, &mut issues),
        offset: int_param(&params, "offset", 0, 0..=i64::from(i32::MAX), &mut issues),
        status: status_param(&params, "status", &mut issues),
        channel_id: params.get("channel_id").cloned(),
    };
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    let (count, found) = instances::list(&state.db, &partner, &filter).await?;
    let results = found
        .iter()
        .map(|i| InstanceObject::new(i, &state.urls, &state.db))
        .collect::<anyhow::Result<_>>()?;
    Ok(Json(InstanceList { count, results }))
}

/// Whether waiting for `target` ends at `status`: when it is reached, or when the instance
/// settled elsewhere and will not move on by itself (waiting for `ready`, it failed).
fn wait_is_over(target: InstanceStatus, status: InstanceStatus) -> bool {
    use InstanceStatus::{Deleted, Failed, Ready};
    let settled = |s| matches!(s, Ready | Failed | Deleted);
    status == target || (matches!(target, Ready | Failed) && settled(status))
}

/// Get Instance (extension). With `wait_for`, the answer waits until the instance reaches that
/// status or `timeout` seconds pass (at most 60), and then shows the instance as it is.
#[utoipa::path(get, path = "/v1/instances/{id}", tag = "instances", security(("APIKey" = [])),
    params(
        ("id" = String, Path, description = "Instance id"),
        ("wait_for" = Option<InstanceStatus>, Query, description = "hold the answer until the instance has this status"),
        ("timeout" = Option<f64>, Query, description = "seconds to wait, 0 to 60, default 30"),
    ),
    responses((status = 200, body = InstanceObject), (status = 401, description = "Not authenticated"),
        (status = 404, description = "Instance not found"), (status = 422, description = "Invalid query")))]
pub async fn get(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(raw_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InstanceObject>, ApiError> {
    let mut issues = Vec::new();
    let wait_for = status_param(&params, "wait_for", &mut issues);
    let timeout = match params.get("timeout").map(|t| t.trim().parse::<f64>()) {
        None => DEFAULT_WAIT,
        Some(Ok(secs)) if (0.0..=MAX_WAIT.as_secs_f64()).contains(&secs) => {
            Duration::from_secs_f64(secs)
        }
        Some(_) => {
            issues.push(query_issue(
                "timeout",
                "Input should be a number of seconds from 0 to 60",
                "value_error",
            ));
            DEFAULT_WAIT
        }
    };
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    let id = super::instance_id(&raw_id)?;
    // Registered before the first read, so a change between the read and the wait is not missed.
    let watch = state.db.signals().watch(&id);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let changed = watch.notify().notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let instance = instances::find(&state.db, &partner, &id)
            .await?
            .ok_or(ApiError::InstanceNotFound)?;
        let done = wait_for.is_none_or(|target| wait_is_over(target, instance.status));
        if done {
            return Ok(Json(InstanceObject::new(
                &instance,
                &state.urls,
                &state.db,
            )?));
        }
        tokio::select! {
            () = changed => {}
            () = tokio::time::sleep_until(deadline) => return Ok(Json(InstanceObject::new(&instance, &state.urls, &state.db)?)),
            () = state.shutdown.cancelled() => return Ok(Json(InstanceObject::new(&instance, &state.urls, &state.db)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceStatus::*;

    #[test]
    fn a_wait_ends_at_its_target_or_where_the_instance_settled_elsewhere() {
        assert!(wait_is_over(Ready, Ready));
        assert!(wait_is_over(Ready, Failed));
        assert!(wait_is_over(Ready, Deleted));
        assert!(!wait_is_over(Ready, Deploying));
        assert!(!wait_is_over(Ready, Updating));
        assert!(wait_is_over(Failed, Ready));
        assert!(!wait_is_over(Deleted, Ready));
        assert!(!wait_is_over(Deleted, Deleting));
        assert!(wait_is_over(Deleted, Deleted));
    }
}
