//! Issue 4: list, get and wait, update, delete, idempotent create; and the instance state
//! machine as the API shows it.

mod deleting;
mod idempotency;
mod listing;
mod state_machine;
mod updating;
mod waiting;

use crate::support::{json, TestApp};
use serde_json::Value;

async fn create_as(app: &TestApp, key: &str, body: Value) -> String {
    let (status, answer) = json(app.post_json("/v1/instances", key, &body).await).await;
    assert_eq!(status, 200, "{answer}");
    answer["id"].as_str().unwrap().to_owned()
}
