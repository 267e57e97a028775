//! The validated Create Instance request.

use super::fields::{not_an_object, FieldIssue, FieldReader};
use super::schema;
use super::webhook::{parse_user_name, Configurator, WebhookHeaders, WebhookUrl};
use super::{
    AddressPolicy, ChannelId, D360ApiKey, EmailAddress, SeatCount, Subdomain, DEFAULT_SEATS,
};
use instance_contract::first_users::{FirstUsers, FirstUsersError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

#[derive(Clone, Debug)]
pub struct CreateInstance {
    pub channel_id: Option<ChannelId>,
    pub d360_api_key: Option<D360ApiKey>,
    pub subdomain: Option<Subdomain>,
    pub admin_email: Option<EmailAddress>,
    pub generate_activation: bool,
    pub configurator: Option<Configurator>,
    pub max_number_of_seats: SeatCount,
}

impl CreateInstance {
    /// Every rule of the contract, every violation reported. Unknown fields are ignored.
    pub fn parse(body: &Value, policy: &AddressPolicy) -> Result<Self, Vec<FieldIssue>> {
        let Some(obj) = body.as_object() else {
            return Err(not_an_object());
        };
        let mut r = FieldReader::default();
        let channel_id = r.parsed(obj, &["channel_id"], ChannelId::parse);
        let d360_api_key = r.parsed(obj, &["d360_api_key"], D360ApiKey::parse);
        let subdomain = r.parsed(obj, &["subdomain"], |s| {
            Subdomain::parse(s).map_err(|e| e.to_string())
        });
        let admin_email = r.parsed(obj, &["admin_email"], EmailAddress::parse);
        let generate_activation = r.bool(obj, &["generate_activation"]).unwrap_or(false);
        let configurator = r
            .object(obj, &["configurator"])
            .and_then(|c| parse_configurator(&mut r, c, policy));
        let max_number_of_seats = seats(&mut r, obj, &["max_number_of_seats"]).unwrap_or_default();

        first_users(&mut r, admin_email.as_ref(), configurator.as_ref());

        let channel_given = !matches!(obj.get("channel_id"), None | Some(Value::Null));
        let key_given = !matches!(obj.get("d360_api_key"), None | Some(Value::Null));
        if !channel_given && !key_given {
            r.push(
                &[],
                "Value error, either channel_id or d360_api_key is required",
                "value_error",
            );
        }
        r.finish(Self {
            channel_id,
            d360_api_key,
            subdomain: subdomain.flatten(),
            admin_email,
            generate_activation,
            configurator,
            max_number_of_seats,
        })
    }
}

/// The request as the document shows it: the fields this parser reads, each described by the type
/// that checks it. Unknown fields are ignored.
impl utoipa::PartialSchema for CreateInstance {
    fn schema() -> RefOr<Schema> {
        let fields = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Create Instance. Unknown fields are ignored."))
            .property(
                "channel_id",
                ChannelId::field_schema(
                    "Required if `d360_api_key` is absent. 360Dialog channel ID to connect; the \
                     platform collects a new 360Dialog API Key for it (the previous key of the \
                     channel stops working).",
                ),
            )
            .property(
                "d360_api_key",
                D360ApiKey::field_schema(
                    "Required if `channel_id` is absent. An existing 360Dialog API Key to deploy \
                     with; with both, the key must belong to the channel.",
                ),
            )
            .property(
                "subdomain",
                Subdomain::field_schema(
                    "RFC 1035 label (1–63 letters, digits, hyphens; starts with a letter), \
                     case-insensitive, unique, not one of the platform's own names. Blank: the \
                     instance id is used.",
                ),
            )
            .property(
                "admin_email",
                EmailAddress::admin_field_schema(
                    "Admin user name; the activation e-mail goes here when the instance is ready.",
                ),
            )
            .property(
                "generate_activation",
                schema::lax_boolean(
                    "Return an `activation_url`, usable once the instance is ready.",
                ),
            )
            .property("configurator", Configurator::field_schema())
            .property(
                "max_number_of_seats",
                schema::defaulted(SeatCount::value_schema(), DEFAULT_SEATS),
            );
        let given = |field: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(field, ObjectBuilder::new().schema_type(Type::String))
                .required(field)
        };
        AllOfBuilder::new()
            .item(fields)
            .item(
                AnyOfBuilder::new()
                    .description(Some("`channel_id` or `d360_api_key`, or both"))
                    .item(given("channel_id"))
                    .item(given("d360_api_key")),
            )
            .into()
    }
}

impl utoipa::ToSchema for CreateInstance {}

/// The instance names its admin and configurator from these; what it would refuse at its first
/// start is refused here, by the same rule.
fn first_users(
    r: &mut FieldReader,
    admin_email: Option<&EmailAddress>,
    configurator: Option<&Configurator>,
) {
    let admin_email = admin_email.map(EmailAddress::as_str);
    let configurator = configurator.map(|c| c.user_name.as_str());
    let Err(refused) = FirstUsers::name(admin_email, configurator) else {
        return;
    };
    let field: &[&str] = match refused {
        FirstUsersError::AdminEmailIsNoUsername => &["admin_email"],
        FirstUsersError::ConfiguratorName(_) | FirstUsersError::ConfiguratorIsTheAdmin { .. } => {
            &["configurator", "user_name"]
        }
    };
    r.push(field, format!("Value error, {refused}"), "value_error");
}

pub fn seats(r: &mut FieldReader, obj: &Map<String, Value>, path: &[&str]) -> Option<SeatCount> {
    let n = r.int(obj, path)?;
    match SeatCount::new(n) {
        Ok(seats) => Some(seats),
        Err(msg) => {
            r.push(path, msg, "value_error");
            None
        }
    }
}

fn parse_configurator(
    r: &mut FieldReader,
    obj: &Map<String, Value>,
    policy: &AddressPolicy,
) -> Option<Configurator> {
    const USER: &[&str] = &["configurator", "user_name"];
    const URL: &[&str] = &["configurator", "webhook_url"];
    if !obj.contains_key("user_name") || obj["user_name"].is_null() {
        r.missing(USER);
    }
    if !obj.contains_key("webhook_url") || obj["webhook_url"].is_null() {
        r.missing(URL);
    }
    let user_name = r.parsed(obj, USER, parse_user_name);
    let webhook_url = r.parsed(obj, URL, |s| WebhookUrl::parse(s, policy));
    let webhook_headers = headers(r, obj);
    Some(Configurator {
        user_name: user_name?,
        webhook_url: webhook_url?,
        webhook_headers: webhook_headers?,
    })
}

fn headers(r: &mut FieldReader, obj: &Map<String, Value>) -> Option<WebhookHeaders> {
    let path = ["configurator", "webhook_headers"];
    let Some(map) = r.object(obj, &path) else {
        let absent = matches!(obj.get("webhook_headers"), None | Some(Value::Null));
        return absent.then(WebhookHeaders::default);
    };
    let mut ok = true;
    if map.len() > WebhookHeaders::MAX_HEADERS {
        r.push(
            &path,
            format!(
                "Dictionary should have at most {} items",
                WebhookHeaders::MAX_HEADERS
            ),
            "too_long",
        );
        ok = false;
    }
    let mut pairs = BTreeMap::new();
    for (name, value) in map {
        let at = ["configurator", "webhook_headers", name.as_str()];
        let Some(value) = value.as_str() else {
            r.push(&at, "Input should be a valid string", "string_type");
            ok = false;
            continue;
        };
        if let Err(msg) = WebhookHeaders::check_pair(name, value) {
            r.push(&at, msg, "value_error");
            ok = false;
            continue;
        }
        pairs.insert(name.clone(), value.to_owned());
    }
    ok.then(|| WebhookHeaders::from_checked(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<CreateInstance, Vec<FieldIssue>> {
        CreateInstance::parse(&v, &AddressPolicy::default())
    }

    fn locs(issues: &[FieldIssue]) -> Vec<String> {
        issues
            .iter()
            .map(|i| serde_json::to_string(&i.loc).unwrap())
            .collect()
    }

    #[test]
    fn the_documented_examples_parse_with_defaults() {
        let req = parse(json!({"subdomain": "mycompany-test", "channel_id": "ChAnElCH", "generate_activation": true})).unwrap();
        assert_eq!(req.subdomain.unwrap().as_str(), "mycompany-test");
        assert!(req.generate_activation);
        assert_eq!(req.max_number_of_seats.get(), 5);
        let req = parse(json!({"channel_id": "ChAnElCH", "configurator": {"user_name": "service_account", "webhook_url": "https://example.com/webhook"}})).unwrap();
        assert_eq!(
            req.configurator.unwrap().user_name.as_str(),
            "service_account"
        );
        assert!(parse(
            json!({"d360_api_key": "abc", "admin_email": "example@example.com", "unknown": 1})
        )
        .is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let issues = parse(json!({
            "subdomain": "-bad", "admin_email": "nope", "generate_activation": "maybe",
            "max_number_of_seats": 0, "configurator": {"webhook_url": "ftp://x", "webhook_headers": {"Host": "x", "X-N": 1}}
        }))
        .unwrap_err();
        let locs = locs(&issues);
        for expected in [
            r#"["body","subdomain"]"#,
            r#"["body","admin_email"]"#,
            r#"["body","generate_activation"]"#,
            r#"["body","max_number_of_seats"]"#,
            r#"["body","configurator","user_name"]"#,
            r#"["body","configurator","webhook_url"]"#,
            r#"["body","configurator","webhook_headers","Host"]"#,
            r#"["body","configurator","webhook_headers","X-N"]"#,
            r#"["body"]"#,
        ] {
            assert!(
                locs.contains(&expected.to_owned()),
                "{expected} missing from {locs:?}"
            );
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_issue() {
        for body in [json!([]), json!("x"), json!(1)] {
            let issues = parse(body).unwrap_err();
            assert_eq!(issues[0].kind, "model_attributes_type");
        }
    }

    #[test]
    fn null_and_blank_mean_absent() {
        let req = parse(json!({"channel_id": "abc", "subdomain": "", "configurator": null, "admin_email": null})).unwrap();
        assert!(req.subdomain.is_none());
        assert!(req.configurator.is_none());
        assert!(parse(json!({"channel_id": null, "d360_api_key": null})).is_err());
    }
}
