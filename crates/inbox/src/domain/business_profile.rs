//! A change of the WhatsApp business profile, checked against the Cloud API's limits before it
//! goes to 360Dialog.

use super::{Email, FieldErrors};
use serde_json::{Map, Value};

/// The fields get.chat's profile has, in the Cloud API's names.
pub const PROFILE_FIELDS: [&str; 6] = [
    "about",
    "address",
    "description",
    "email",
    "vertical",
    "websites",
];

/// The industries the Cloud API accepts (360Dialog's documentation of the profile endpoint).
pub const VERTICALS: [&str; 19] = [
    "UNDEFINED",
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "NOT_A_BIZ",
];

const MAX_ABOUT: usize = 139;
const MAX_ADDRESS: usize = 256;
const MAX_DESCRIPTION: usize = 512;
const MAX_EMAIL: usize = 128;
const MAX_WEBSITES: usize = 2;
const MAX_WEBSITE: usize = 256;

/// The fields to change, valid; a field not sent stays as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileChange(Map<String, Value>);

impl ProfileChange {
    /// Fields other than the profile's are ignored; `null` empties a text field.
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(body) = body.as_object() else {
            errors.add(
                "non_field_errors",
                "Expected a JSON object of profile fields.",
            );
            return Err(errors);
        };
        let mut change = Map::new();
        for (field, limit) in [
            ("about", MAX_ABOUT),
            ("address", MAX_ADDRESS),
            ("description", MAX_DESCRIPTION),
        ] {
            if let Some(value) = body.get(field) {
                if let Some(text) = errors.check(field, text(value, limit)) {
                    change.insert(field.into(), Value::from(text));
                }
            }
        }
        if let Some(value) = body.get("email") {
            if let Some(email) = errors.check("email", email(value)) {
                change.insert("email".into(), Value::from(email));
            }
        }
        match body.get("vertical") {
            None | Some(Value::Null) => {}
            Some(value) => {
                if let Some(vertical) = errors.check("vertical", vertical(value)) {
                    change.insert("vertical".into(), Value::from(vertical));
                }
            }
        }
        if let Some(value) = body.get("websites") {
            if let Some(websites) = errors.check("websites", websites(value)) {
                change.insert("websites".into(), Value::from(websites));
            }
        }
        if errors.is_empty() {
            Ok(Self(change))
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The Cloud API body of the change (360Dialog's client adds `messaging_product`).
    pub fn cloud_api_body(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// `profile` with the change applied.
    pub fn applied_to(&self, profile: &Value) -> Value {
        let mut merged = profile.as_object().cloned().unwrap_or_default();
        merged.extend(self.0.clone());
        Value::Object(merged)
    }
}

fn text(value: &Value, limit: usize) -> Result<String, String> {
    let text = match value {
        Value::Null => "",
        Value::String(s) => s.trim(),
        _ => return Err("Not a valid string.".into()),
    };
    if text.chars().count() > limit {
        return Err(format!(
            "Ensure this field has no more than {limit} characters."
        ));
    }
    Ok(text.to_owned())
}

fn email(value: &Value) -> Result<String, String> {
    let raw = text(value, MAX_EMAIL)?;
    Ok(Email::parse_optional(&raw)?
        .map(|e| e.as_str().to_owned())
        .unwrap_or_default())
}

fn vertical(value: &Value) -> Result<String, String> {
    let raw = value.as_str().map(str::trim).unwrap_or_default();
    VERTICALS
        .iter()
        .find(|v| v.eq_ignore_ascii_case(raw))
        .map(|v| (*v).to_owned())
        .ok_or_else(|| format!("\"{raw}\" is not a valid choice."))
}

fn websites(value: &Value) -> Result<Vec<String>, String> {
    let list = match value {
        Value::Null => return Ok(vec![]),
        Value::Array(list) => list,
        _ => return Err("Expected a list of URLs.".into()),
    };
    if list.len() > MAX_WEBSITES {
        return Err(format!("At most {MAX_WEBSITES} websites."));
    }
    list.iter()
        .map(|url| {
            let url = url.as_str().map(str::trim).unwrap_or_default();
            let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
            let host_ok = url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
            if !scheme_ok || !host_ok || url.chars().any(char::is_whitespace) {
                return Err(format!(
                    "Enter a valid URL starting with http:// or https:// (got \"{url}\")."
                ));
            }
            if url.chars().count() > MAX_WEBSITE {
                return Err(format!("A website has at most {MAX_WEBSITE} characters."));
            }
            Ok(url.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_change_keeps_only_the_fields_sent_and_normalises_them() {
        let change = ProfileChange::parse(&json!({
            "about": " Open 9-5 ", "vertical": "retail", "websites": ["https://shop.example"],
            "unknown": 1,
        }))
        .unwrap();
        assert_eq!(
            change.cloud_api_body(),
            json!({"about": "Open 9-5", "vertical": "RETAIL", "websites": ["https://shop.example"]})
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = ProfileChange::parse(&json!({
            "about": "a".repeat(140), "email": "nope", "vertical": "SPACE",
            "websites": ["https://a.example", "https://b.example", "https://c.example"],
            "address": 5,
        }))
        .unwrap_err();
        for field in ["about", "email", "vertical", "websites", "address"] {
            assert!(errors.first(field).is_some(), "{field}: {errors:?}");
        }
        let errors = ProfileChange::parse(&json!({"websites": ["ftp://x.example"]})).unwrap_err();
        assert!(errors.first("websites").unwrap().contains("http"));
    }

    #[test]
    fn a_change_applies_over_the_known_profile() {
        let change = ProfileChange::parse(&json!({"address": null})).unwrap();
        let merged = change.applied_to(&json!({"address": "Main St 1", "about": "Hi"}));
        assert_eq!(merged, json!({"address": "", "about": "Hi"}));
    }
}
