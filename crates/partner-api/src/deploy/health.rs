//! Waiting for a started instance to answer its health check.

use super::Deployer;
use crate::domain::{InstanceId, InstanceStatus};
use crate::store::deployments;
use std::time::{Duration, Instant};

pub enum Health {
    Healthy,
    TimedOut,
    /// The instance left the state the deployment expects (a delete came).
    Abandoned,
}

/// Polls `GET /api/v1/status/health` until it answers 200 for this instance, the time runs out,
/// or the instance leaves `expected`.
pub async fn wait_healthy(
    ctx: &Deployer,
    id: &InstanceId,
    endpoint: &str,
    expected: InstanceStatus,
) -> anyhow::Result<Health> {
    let url = format!("http://{endpoint}/api/v1/status/health");
    let started = Instant::now();
    let mut last_status_check = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        if let Ok(response) = ctx.http.get(&url).send().await {
            if response.status().is_success() {
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if body["instance_id"] == id.as_str() {
                    return Ok(Health::Healthy);
                }
            }
        }
        if started.elapsed() >= ctx.settings.health_timeout {
            return Ok(Health::TimedOut);
        }
        if last_status_check.elapsed() >= Duration::from_millis(500) {
            last_status_check = Instant::now();
            if deployments::status(&ctx.db, id).await? != Some(expected) {
                return Ok(Health::Abandoned);
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
