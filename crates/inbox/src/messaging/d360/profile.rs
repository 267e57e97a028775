//! The number's business profile on 360Dialog's Cloud API hosting:
//! `GET /whatsapp_business_profile?fields=…` answers `{"data":[{…}]}`, and
//! `POST /whatsapp_business_profile` with the fields to change answers `{"success":true}`.

use super::answer::{json, success};
use super::messaging_url::MessagingUrl;
use super::{D360Client, D360Error};
use crate::store::D360Settings;
use serde::Deserialize;
use serde_json::Value;

const ENDPOINT: &str = "whatsapp_business_profile";
const FIELDS: &str = "about,address,description,email,profile_picture_url,websites,vertical";

#[derive(Deserialize)]
struct ProfileAnswer {
    data: Vec<Value>,
}

impl D360Client {
    /// The profile as WhatsApp has it now.
    pub async fn business_profile(&self, settings: &D360Settings) -> Result<Value, D360Error> {
        let url = MessagingUrl::parse(&settings.messaging_url)?.endpoint(ENDPOINT)?;
        let request = self.http()?.get(url).query(&[("fields", FIELDS)]);
        let what = "reading the business profile";
        let response = self.call(settings, request).await?;
        let answer: ProfileAnswer = json(success(response, what).await?, what).await?;
        answer
            .data
            .into_iter()
            .next()
            .filter(Value::is_object)
            .ok_or_else(|| D360Error::Unexpected(format!("{what}: no profile in the answer")))
    }

    /// Changes the fields `changes` has (a Cloud API body without `messaging_product`).
    pub async fn update_business_profile(
        &self,
        settings: &D360Settings,
        changes: &Value,
    ) -> Result<(), D360Error> {
        let url = MessagingUrl::parse(&settings.messaging_url)?.endpoint(ENDPOINT)?;
        let mut body = changes.clone();
        body["messaging_product"] = Value::from("whatsapp");
        let response = self
            .call(settings, self.http()?.post(url).json(&body))
            .await?;
        success(response, "updating the business profile").await?;
        Ok(())
    }
}
