//! `GET /v1/instances` and `GET /v1/instances/{id}` (with `wait_for`).

use super::object::InstanceObject;
use crate::api::auth::Partner;
use crate::api::error::{ApiError, Detail, ValidationErrors};
use crate::api::AppState;
use crate::domain::{FieldIssue, InstanceStatus};
use crate::store::instances::{self, ListFilter};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoParams, ToSchema};

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

/// An integer query parameter: its bounds, its default, and how the document shows it.
struct IntParam {
    name: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
}

const LIMIT: IntParam = IntParam {
    name: "limit",
    default: 50,
    range: 1..=200,
};
const OFFSET: IntParam = IntParam {
    name: "offset",
    default: 0,
    range: 0..=i32::MAX as i64,
};

impl IntParam {
    fn read(&self, params: &HashMap<String, String>, issues: &mut Vec<FieldIssue>) -> i64 {
        let Some(raw) = params.get(self.name) else {
            return self.default;
        };
        match raw.trim().parse::<i64>() {
            Ok(n) if self.range.contains(&n) => n,
            Ok(_) => {
                let msg = format!(
                    "Input should be between {} and {}",
                    self.range.start(),
                    self.range.end()
                );
                issues.push(query_issue(self.name, &msg, "value_error"));
                self.default
            }
            Err(_) => {
                let msg = "Input should be a valid integer";
                issues.push(query_issue(self.name, msg, "int_parsing"));
                self.default
            }
        }
    }

    fn param(&self, description: &str) -> Parameter {
        let schema = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(*self.range.start() as f64))
            .maximum(Some(*self.range.end() as f64))
            .default(Some(self.default.into()));
        query_param(self.name, description, schema)
    }
}

fn query_param(name: &str, description: &str, schema: impl Into<RefOr<Schema>>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
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

fn status_schema() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(InstanceStatus::name()))
}

/// The query of List instances.
struct ListQuery(ListFilter);

impl ListQuery {
    fn parse(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut issues = Vec::new();
        let filter = ListFilter {
            limit: LIMIT.read(params, &mut issues),
            offset: OFFSET.read(params, &mut issues),
            status: status_param(params, "status", &mut issues),
            channel_id: params.get("channel_id").cloned(),
        };
        if issues.is_empty() {
            Ok(Self(filter))
        } else {
            Err(ApiError::Validation(issues))
        }
    }
}

impl IntoParams for ListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            LIMIT.param("how many instances to show"),
            OFFSET.param("how many to skip, newest first"),
            query_param("status", "only instances in this status", status_schema()),
            query_param(
                "channel_id",
                "only instances of this channel",
                ObjectBuilder::new().schema_type(Type::String),
            ),
        ]
    }
}

/// The query of Get Instance: what to wait for, and how long.
struct WaitQuery {
    wait_for: Option<InstanceStatus>,
    timeout: Duration,
}

impl WaitQuery {
    fn parse(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut issues = Vec::new();
        let wait_for = status_param(params, "wait_for", &mut issues);
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
        if issues.is_empty() {
            Ok(Self { wait_for, timeout })
        } else {
            Err(ApiError::Validation(issues))
        }
    }
}

impl IntoParams for WaitQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(0.0))
            .maximum(Some(MAX_WAIT.as_secs_f64()))
            .default(Some(DEFAULT_WAIT.as_secs().into()));
        vec![
            query_param(
                "wait_for",
                "hold the answer until the instance has this status (or settled elsewhere)",
                status_schema(),
            ),
            query_param("timeout", "seconds to wait at most", seconds),
        ]
    }
}

/// List instances (extension): this partner's instances, newest first.
#[utoipa::path(get, path = "/v1/instances", tag = "instances", security(("APIKey" = [])),
    params(ListQuery),
    responses((status = 200, body = InstanceList), (status = 422, body = ValidationErrors, description = "Invalid query")))]
pub async fn list(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InstanceList>, ApiError> {
    let ListQuery(filter) = ListQuery::parse(&params)?;
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
/// status or `timeout` seconds pass, and then shows the instance as it is.
#[utoipa::path(get, path = "/v1/instances/{id}", tag = "instances", security(("APIKey" = [])),
    params(("id" = String, Path, description = "Instance id"), WaitQuery),
    responses((status = 200, body = InstanceObject),
        (status = 404, body = Detail, description = "Instance not found"),
        (status = 422, body = ValidationErrors, description = "Invalid query")))]
pub async fn get(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(raw_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InstanceObject>, ApiError> {
    let WaitQuery { wait_for, timeout } = WaitQuery::parse(&params)?;
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
