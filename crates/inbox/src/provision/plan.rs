//! The bootstrap file, checked once into domain types before anything is written.

use crate::bootstrap::{Bootstrap, D360Bootstrap, BOOTSTRAP_VERSION};
use crate::domain::{Email, SeatLimit, Username};
use crate::secret::SecretDigest;
use crate::store::{D360Settings, PlatformOwned};
use anyhow::{bail, ensure, Context};
use sha2::{Digest, Sha256};

pub struct Plan {
    pub instance_id: String,
    pub public_origin: String,
    pub platform_token: SecretDigest,
    pub platform: PlatformOwned,
    /// SHA-256 of the file's seats and 360Dialog settings, to notice when the platform changes them.
    pub platform_digest: String,
    pub admin: AdminPlan,
    pub configurator: Option<ConfiguratorPlan>,
}

pub struct AdminPlan {
    pub username: Username,
    pub email: Option<Email>,
    pub activation_code: SecretDigest,
    pub activation_expires_at: i64,
}

pub struct ConfiguratorPlan {
    pub username: Username,
    pub token: SecretDigest,
}

impl Plan {
    pub fn check(file: &Bootstrap) -> anyhow::Result<Self> {
        ensure!(
            file.version == BOOTSTRAP_VERSION,
            "bootstrap version {} is not supported (this build reads version {BOOTSTRAP_VERSION})",
            file.version
        );
        ensure!(!file.instance_id.trim().is_empty(), "instance_id is blank");
        let origin = file.public_origin.trim_end_matches('/');
        if !(origin.starts_with("http://") || origin.starts_with("https://")) {
            bail!("public_origin must start with http:// or https://: {origin:?}");
        }
        let seats = SeatLimit::new(i64::from(file.max_number_of_seats))
            .map_err(|e| anyhow::anyhow!("max_number_of_seats: {e}"))?;
        let admin = &file.admin;
        let admin_email = match &admin.email {
            Some(raw) => {
                Email::parse_optional(raw).map_err(|e| anyhow::anyhow!("admin.email: {e}"))?
            }
            None => None,
        };
        let configurator = file
            .configurator
            .as_ref()
            .map(|c| -> anyhow::Result<_> {
                Ok(ConfiguratorPlan {
                    username: username("configurator.user_name", &c.user_name)?,
                    token: digest("configurator.token_sha256", &c.token_sha256)?,
                })
            })
            .transpose()?;
        Ok(Self {
            instance_id: file.instance_id.trim().to_owned(),
            public_origin: origin.to_owned(),
            platform_token: digest("platform_token_sha256", &file.platform_token_sha256)?,
            platform: PlatformOwned {
                max_number_of_seats: seats,
                d360: file.d360.as_ref().map(d360_settings),
            },
            platform_digest: platform_digest(file)?,
            admin: AdminPlan {
                username: username("admin.username", &admin.username)?,
                email: admin_email,
                activation_code: digest(
                    "admin.activation_code_sha256",
                    &admin.activation_code_sha256,
                )?,
                activation_expires_at: admin.activation_expires_at,
            },
            configurator,
        })
    }
}

pub fn d360_settings(file: &D360Bootstrap) -> D360Settings {
    D360Settings {
        api_key: file.api_key.clone(),
        messaging_url: file.messaging_url.clone(),
    }
}

fn platform_digest(file: &Bootstrap) -> anyhow::Result<String> {
    let owned = serde_json::to_vec(&(file.max_number_of_seats, &file.d360))?;
    Ok(hex::encode(Sha256::digest(owned)))
}

fn username(field: &str, raw: &str) -> anyhow::Result<Username> {
    Username::parse(raw).map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

fn digest(field: &str, raw: &str) -> anyhow::Result<SecretDigest> {
    SecretDigest::parse_hex(raw).with_context(|| format!("{field} must be 64 hex digits"))
}
