//! The bootstrap an instance starts from, derived from the database alone, so every start of an
//! instance (deployment, restart, another replica) gets the same one.

use super::driver::InstanceSpec;
use super::Deployer;
use crate::crypto::sha256_hex;
use crate::domain::{D360ApiKey, Timestamp};
use crate::store::instances::Instance;
use instance_contract::bootstrap::{
    AdminBootstrap, Bootstrap, ConfiguratorBootstrap, D360Bootstrap, BOOTSTRAP_VERSION,
};
use instance_contract::first_users::ADMIN_WITHOUT_EMAIL;

pub struct InstanceTokens<'a> {
    pub activation_code: &'a str,
    pub configurator_token: Option<&'a str>,
    pub platform_token: &'a str,
}

pub fn build(
    ctx: &Deployer,
    instance: &Instance,
    key: Option<&D360ApiKey>,
    messaging_url: &str,
    tokens: &InstanceTokens<'_>,
) -> InstanceSpec {
    let expires_at = activation_expires_at(ctx, instance.activation_issued_at);
    let configurator = match (&instance.configurator_user_name, tokens.configurator_token) {
        (Some(user_name), Some(token)) => Some(ConfiguratorBootstrap {
            user_name: user_name.clone(),
            token_sha256: sha256_hex(token),
        }),
        _ => None,
    };
    InstanceSpec {
        id: instance.id.clone(),
        partner_id: instance.partner_id.to_string(),
        subdomain: instance.subdomain.to_string(),
        bootstrap: Bootstrap {
            version: BOOTSTRAP_VERSION,
            instance_id: instance.id.to_string(),
            public_origin: ctx.urls.origin(&instance.subdomain),
            max_number_of_seats: instance.max_number_of_seats as u32,
            admin: AdminBootstrap {
                username: instance
                    .admin_email
                    .clone()
                    .unwrap_or_else(|| ADMIN_WITHOUT_EMAIL.to_owned()),
                email: instance.admin_email.clone(),
                activation_code_sha256: sha256_hex(tokens.activation_code),
                activation_expires_at: expires_at,
            },
            configurator,
            platform_token_sha256: sha256_hex(tokens.platform_token),
            d360: key.map(|k| D360Bootstrap {
                api_key: k.expose().to_owned(),
                messaging_url: messaging_url.to_owned(),
            }),
            inbound_webhook_secret_sha256: Some(sha256_hex(inbound_webhook_secret(
                tokens.platform_token,
            ))),
            phone_number: instance.phone_number.clone(),
            front_end: ctx.settings.front_end.clone(),
        },
    }
}

/// Unix seconds after which a code issued at `issued_at` no longer works.
pub fn activation_expires_at(ctx: &Deployer, issued_at: Timestamp) -> i64 {
    issued_at.millis() / 1000 + ctx.settings.activation_ttl.as_secs() as i64
}

/// The secret 360Dialog sends with every webhook to the instance. Derived from the instance's
/// platform token, so every deployment step and replica computes the same one without storing it.
pub fn inbound_webhook_secret(platform_token: &str) -> String {
    sha256_hex(format!("inbound-webhook:{platform_token}"))
}
