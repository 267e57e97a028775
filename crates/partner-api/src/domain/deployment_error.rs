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

    /// 360Dialog refuses the key itself (`401`/`403`), whether at deployment or later.
    pub fn key_rejected(channel_id: Option<&str>) -> Self {
        let details = match channel_id {
            Some(channel) => format!("360Dialog rejected the API key of channel ID {channel}."),
            None => "360Dialog rejected the API key.".to_owned(),
        };
        Self::invalid_api_key(channel_id, &details)
    }

    /// An instance's errors while 360Dialog rejects its stored key: those of its last deployment
    /// or update, and the 702 once (a refused update may already carry one).
    pub fn with_key_rejected(mut errors: Vec<Self>, channel_id: Option<&str>) -> Vec<Self> {
        if !errors.iter().any(|e| e.code == 702) {
            errors.push(Self::key_rejected(channel_id));
        }
        errors
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

    #[test]
    fn a_rejected_key_adds_its_702_to_the_other_errors_once() {
        let taken = DeploymentError::number_already_deployed("123456");
        let errors = DeploymentError::with_key_rejected(vec![taken.clone()], Some("ChAnElCH"));
        assert_eq!(errors[0], taken);
        assert_eq!(
            serde_json::to_value(&errors[1]).unwrap(),
            json!({"code": 702, "title": "Invalid 360Dialog API Key",
                   "details": "360Dialog rejected the API key of channel ID ChAnElCH.",
                   "parameters": {"channel_id": "ChAnElCH"}})
        );
        let again = DeploymentError::with_key_rejected(errors.clone(), Some("ChAnElCH"));
        assert_eq!(again, errors);
    }
}
