//! The OpenAPI 3.1 document: built from the handlers' annotations by the same router that serves
//! them. What every route of a kind answers (a missing key, a body that is not JSON) is added here,
//! in one place, as the extractors that answer it are shared.

use super::error::{Detail, ValidationErrors};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partner API",
        description = "Deploys one single-tenant inbox per WhatsApp business phone number. \
            Wire-compatible with the documented get.chat Partner API 1.1.2; endpoints marked as \
            extensions go beyond it without breaking a client written against it.",
        license(name = "Apache-2.0"),
    ),
    components(schemas(Detail, ValidationErrors)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "health", description = "Auth-free health checks"),
        (name = "partner", description = "The authenticated partner"),
        (name = "instances", description = "Inbox instances"),
        (name = "events", description = "Asynchronous events: the delivery log, redelivery and the signing secret (extensions)"),
    )
)]
pub struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "APIKey",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Adds the answers of the shared extractors to every route the router documented: the API key
/// (`401`, and `429` over the partner's rate), the JSON body (`413`, `422`) and the
/// `Idempotency-Key` (`409`, `422`).
pub fn add_shared_answers(openapi: &mut utoipa::openapi::OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            add_to(operation);
        }
    }
}

fn add_to(operation: &mut Operation) {
    let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let has_key = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "Idempotency-Key");
    let mut answers: Vec<(&str, Response)> = Vec::new();
    if authenticated {
        answers.push((
            "401",
            answer::<Detail>("Not authenticated")
                .header("WWW-Authenticate", text_header())
                .build(),
        ));
        answers.push((
            "429",
            answer::<Detail>(
                "Too many requests for this API key; `Retry-After` says when to retry",
            )
            .header("Retry-After", seconds_header())
            .build(),
        ));
    }
    if has_body {
        answers.push(("413", answer::<Detail>("Body over 64 KiB").build()));
    }
    if has_key {
        answers.push((
            "409",
            answer::<Detail>("A request with the same Idempotency-Key is still running").build(),
        ));
    }
    if has_body || has_key {
        answers.push((
            "422",
            answer::<ValidationErrors>(
                "Invalid input, every problem listed (the body, or the Idempotency-Key)",
            )
            .build(),
        ));
    }
    for (status, response) in answers {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert(RefOr::T(response));
    }
}

fn answer<T: ToSchema>(description: &str) -> ResponseBuilder {
    let schema = Ref::from_schema_name(T::name());
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(schema)).build(),
    )
}

fn text_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .build()
}

fn seconds_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .build()
}
