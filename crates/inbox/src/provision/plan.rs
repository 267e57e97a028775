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
    pub inbound_secret: Option<SecretDigest>,
    pub phone_number: Option<String>,
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
        let admin_username = username("admin.username", &admin.username)?;
        if let Some(c) = &configurator {
            ensure!(
                !c.username.same_person_as(&admin_username),
                "configurator.user_name must differ from admin.username"
            );
        }
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
                username: admin_username,
                email: admin_email,
                activation_code: digest(
                    "admin.activation_code_sha256",
                    &admin.activation_code_sha256,
                )?,
                activation_expires_at: admin.activation_expires_at,
            },
            configurator,
            inbound_secret: file
                .inbound_webhook_secret_sha256
                .as_deref()
                .map(|d| digest("inbound_webhook_secret_sha256", d))
                .transpose()?,
            phone_number: file.phone_number.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::{AdminBootstrap, ConfiguratorBootstrap};

    fn file() -> Bootstrap {
        Bootstrap {
            version: BOOTSTRAP_VERSION,
            instance_id: "167c42d61ed64feb97d3a32508d811a8".into(),
            public_origin: "http://acme.inbox.localhost:8080/".into(),
            max_number_of_seats: 5,
            admin: AdminBootstrap {
                username: "admin".into(),
                email: None,
                activation_code_sha256: "ab".repeat(32),
                activation_expires_at: 0,
            },
            configurator: Some(ConfiguratorBootstrap {
                user_name: "service_account".into(),
                token_sha256: "cd".repeat(32),
            }),
            platform_token_sha256: "ef".repeat(32),
            d360: None,
            inbound_webhook_secret_sha256: None,
            phone_number: None,
            front_end: Default::default(),
        }
    }

    #[test]
    fn a_valid_file_gives_a_plan_with_a_clean_origin() {
        let plan = Plan::check(&file()).unwrap();
        assert_eq!(plan.public_origin, "http://acme.inbox.localhost:8080");
        assert_eq!(plan.platform.max_number_of_seats.get(), 5);
    }

    #[test]
    fn files_the_instance_cannot_honour_are_refused_with_the_reason() {
        type Breakage = fn(&mut Bootstrap);
        let cases: [(Breakage, &str); 4] = [
            (|f| f.version = 2, "version 2"),
            (|f| f.max_number_of_seats = 0, "max_number_of_seats"),
            (
                |f| f.platform_token_sha256 = "xyz".into(),
                "platform_token_sha256",
            ),
            (
                |f| f.configurator.as_mut().unwrap().user_name = "ADMIN".into(),
                "must differ from admin.username",
            ),
        ];
        for (break_it, reason) in cases {
            let mut broken = file();
            break_it(&mut broken);
            let error = Plan::check(&broken).err().expect("refused").to_string();
            assert!(error.contains(reason), "{error} should say {reason}");
        }
    }

    /// The control plane refuses at create what this rule refuses; the instance must then accept
    /// every file the rule lets through, and refuse the others itself too.
    #[test]
    fn the_instance_starts_exactly_with_the_accounts_the_shared_rule_admits() {
        use instance_contract::first_users::{FirstUsers, ADMIN_WITHOUT_EMAIL};
        let long = format!(
            "ana@{}.{}.{}.example.com",
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(20)
        );
        let cases: [(Option<&str>, Option<&str>); 9] = [
            (None, None),
            (None, Some("service_account")),
            (None, Some("Admin")),
            (Some("ana@example.com"), Some("admin")),
            (Some("ana@example.com"), Some("ANA@example.com")),
            (Some("first.last+inbox@example.com"), None),
            (Some("o'brien@example.com"), None),
            (Some(long.as_str()), None),
            (None, Some("has space")),
        ];
        for (email, configurator) in cases {
            let mut f = file();
            f.admin.username = email.unwrap_or(ADMIN_WITHOUT_EMAIL).to_owned();
            f.admin.email = email.map(str::to_owned);
            f.configurator = configurator.map(|name| ConfiguratorBootstrap {
                user_name: name.to_owned(),
                token_sha256: "cd".repeat(32),
            });
            let admitted = FirstUsers::name(email, configurator).is_ok();
            let started = Plan::check(&f).is_ok();
            assert_eq!(admitted, started, "{email:?} {configurator:?}");
        }
    }

    #[test]
    fn only_seats_and_the_360dialog_settings_change_the_platform_digest() {
        let base = Plan::check(&file()).unwrap().platform_digest;
        let mut other_origin = file();
        other_origin.public_origin = "https://acme.example.com".into();
        let mut more_seats = file();
        more_seats.max_number_of_seats = 6;
        assert_eq!(Plan::check(&other_origin).unwrap().platform_digest, base);
        assert_ne!(Plan::check(&more_seats).unwrap().platform_digest, base);
    }
}
