//! The error objects of the `errors` event (contract section 2).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeploymentError {
    pub code: u16,
    pub title: String,
    pub details: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[schema(value_type = Object)]
    pub parameters: Map<String, Value>,
}

fn params(pairs: &[(&str, Option<&str>)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| ((*k).to_owned(), json!(v))))
        .collect()
}

impl DeploymentError {
    pub fn number_already_deployed(channel_id: &str) -> Self {
        Self {
            code: 701,
            title: "Number already deployed".into(),
            details: format!(
                "The business phone number of channel ID {channel_id} already has an inbox instance deployed."
            ),
            parameters: params(&[("channel_id", Some(channel_id))]),
        }
    }

    pub fn invalid_api_key(channel_id: Option<&str>, details: &str) -> Self {
        Self {
            code: 702,
            title: "Invalid 360Dialog API Key".into(),
            details: details.to_owned(),
            parameters: params(&[("channel_id", channel_id)]),
        }
    }

    pub fn channel_not_available(channel_id: &str, details: &str) -> Self {
        Self {
            code: 703,
            title: "Channel not available".into(),
            details: details.to_owned(),
            parameters: params(&[("channel_id", Some(channel_id))]),
        }
    }

    pub fn deployment_failed(instance_id: &str, details: &str) -> Self {
        Self {
            code: 704,
            title: "Deployment failed".into(),
            details: details.to_owned(),
            parameters: params(&[("instance_id", Some(instance_id))]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_701_object_has_the_documented_shape_with_a_string_channel_id() {
        let value =
            serde_json::to_value(DeploymentError::number_already_deployed("123456")).unwrap();
        assert_eq!(value["code"], 701);
        assert_eq!(value["title"], "Number already deployed");
        assert_eq!(value["parameters"], json!({"channel_id": "123456"}));
    }

    #[test]
    fn a_702_without_a_known_channel_has_no_parameters() {
        let value =
            serde_json::to_value(DeploymentError::invalid_api_key(None, "rejected")).unwrap();
        assert!(value.get("parameters").is_none());
    }
}
