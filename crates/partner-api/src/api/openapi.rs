//! The OpenAPI 3.1 document: built from the handlers' annotations by the same router that serves them.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partner API",
        description = "Deploys one single-tenant inbox per WhatsApp business phone number. \
            Wire-compatible with the documented get.chat Partner API 1.1.2; endpoints marked as \
            extensions go beyond it without breaking a client written against it.",
        license(name = "Apache-2.0"),
    ),
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
