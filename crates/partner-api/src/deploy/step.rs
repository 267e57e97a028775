//! How a step of a job ends when it does not simply succeed.

use crate::d360::D360Error;
use crate::domain::{DeploymentError, InstanceId};

pub enum Step {
    /// The instance cannot be deployed as asked; the partner must act (701–704).
    Failed(Vec<DeploymentError>),
    /// The instance left the state the job works on (a delete came); stop quietly.
    Abandoned,
    /// A transient failure: the job runs again later.
    Retry(anyhow::Error),
}

impl From<anyhow::Error> for Step {
    fn from(err: anyhow::Error) -> Self {
        Self::Retry(err)
    }
}

impl Step {
    pub fn failed(error: DeploymentError) -> Self {
        Self::Failed(vec![error])
    }

    /// What a 360Dialog answer means for the deployment.
    pub fn from_d360(err: D360Error, instance: &InstanceId, channel: Option<&str>) -> Self {
        match err {
            D360Error::InvalidKey => Self::failed(DeploymentError::key_rejected(channel)),
            D360Error::ChannelNotAvailable(details) => Self::failed(
                DeploymentError::channel_not_available(channel.unwrap_or_default(), &details),
            ),
            D360Error::HubCredentialsRejected(_) => {
                Self::failed(DeploymentError::deployment_failed(
                    instance.as_str(),
                    &format!(
                        "{err}; the operator must update the partner's 360Dialog credentials."
                    ),
                ))
            }
            D360Error::Unavailable(_) | D360Error::Unexpected(_) => {
                Self::Retry(anyhow::Error::new(err))
            }
        }
    }
}
