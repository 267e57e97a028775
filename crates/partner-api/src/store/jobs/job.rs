//! What a job does and how it ended, as stored. The payload is JSON tagged with the job's kind;
//! the `kind` column repeats the tag so queries can pick jobs by kind.

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job with its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum_discriminants(
    name(JobKind),
    derive(strum::IntoStaticStr, strum::EnumString),
    strum(serialize_all = "snake_case")
)]
pub enum Job {
    /// Makes a created instance real.
    Deploy,
    /// Carries out a partner's PATCH.
    Update(UpdatePayload),
    /// Tears the instance down.
    Delete,
}

/// What a PATCH asks for (the key sealed), and the status to return to when it is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatePayload {
    pub d360_api_key_sealed: Option<String>,
    pub max_number_of_seats: Option<u32>,
    pub previous_status: Option<String>,
}

/// How a job ended, kept in its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum JobOutcome {
    Ready,
    Failed,
    Updated,
    Deleted,
    /// The instance left the status the job works on (a delete came) or is gone.
    Cancelled,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl JobOutcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Job {
    pub fn kind(&self) -> JobKind {
        self.into()
    }

    pub(super) fn to_stored(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Reads a stored job; what does not parse is an error, never a default job. Rows written
    /// before the payload carried its tag hold `null` or the bare update: the column gives the tag.
    pub(super) fn from_stored(kind: &str, payload: &str) -> anyhow::Result<Self> {
        let kind: JobKind = kind
            .parse()
            .with_context(|| format!("stored job kind {kind:?}"))?;
        let mut value: Value = serde_json::from_str(payload).context("stored job payload")?;
        if value.is_null() {
            value = Value::Object(serde_json::Map::new());
        }
        let Some(object) = value.as_object_mut() else {
            bail!(
                "the stored payload of a {} job is not an object",
                kind.as_str()
            );
        };
        match object.get("kind").and_then(Value::as_str) {
            None => {
                object.insert("kind".into(), kind.as_str().into());
            }
            Some(tag) if tag == kind.as_str() => {}
            Some(tag) => bail!("a {} job's payload is tagged {tag:?}", kind.as_str()),
        }
        serde_json::from_value(value)
            .with_context(|| format!("the stored payload of a {} job", kind.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> Job {
        Job::Update(UpdatePayload {
            d360_api_key_sealed: Some("sealed".into()),
            max_number_of_seats: Some(7),
            previous_status: Some("ready".into()),
        })
    }

    #[test]
    fn every_job_reads_back_as_it_was_stored() {
        for job in [Job::Deploy, update(), Job::Delete] {
            let stored = job.to_stored().unwrap();
            assert_eq!(Job::from_stored(job.kind().as_str(), &stored).unwrap(), job);
        }
    }

    #[test]
    fn rows_from_before_the_tag_read_with_the_kind_column() {
        assert_eq!(Job::from_stored("deploy", "null").unwrap(), Job::Deploy);
        let bare =
            r#"{"d360_api_key_sealed":"sealed","max_number_of_seats":7,"previous_status":"ready"}"#;
        assert_eq!(Job::from_stored("update", bare).unwrap(), update());
    }

    #[test]
    fn a_payload_that_does_not_parse_is_an_error_not_a_default() {
        assert!(Job::from_stored("update", "{not json").is_err());
        assert!(Job::from_stored("update", r#"{"max_number_of_seats":"seven"}"#).is_err());
        assert!(Job::from_stored("update", "[]").is_err());
        assert!(Job::from_stored("delete", r#"{"kind":"deploy"}"#).is_err());
        assert!(Job::from_stored("redeploy", "null").is_err());
    }

    #[test]
    fn kinds_and_outcomes_are_stored_in_snake_case() {
        assert_eq!(update().kind().as_str(), "update");
        assert_eq!("delete".parse(), Ok(JobKind::Delete));
        assert_eq!(JobOutcome::Cancelled.as_str(), "cancelled");
        assert_eq!("ready".parse(), Ok(JobOutcome::Ready));
        assert!("Ready".parse::<JobOutcome>().is_err());
    }
}
