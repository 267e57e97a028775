//! `GET /v1/partner_id`: which partner the key belongs to.

use super::auth::Partner;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PartnerIdAnswer {
    #[schema(example = "sandbox")]
    partner_id: String,
}

/// Get Partner Id: checks the Partner ID of the authenticated API key.
#[utoipa::path(get, path = "/v1/partner_id", tag = "partner", security(("APIKey" = [])),
    responses((status = 200, body = PartnerIdAnswer)))]
pub async fn partner_id(Partner(partner): Partner) -> axum::Json<PartnerIdAnswer> {
    axum::Json(PartnerIdAnswer {
        partner_id: partner.as_str().to_owned(),
    })
}
