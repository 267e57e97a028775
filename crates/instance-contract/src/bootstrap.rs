//! The file the control plane writes before it starts an instance: everything the instance needs
//! to know about its first users and limits. The control plane talks to the instance only over
//! HTTP after that.

use serde::{Deserialize, Serialize};

pub const BOOTSTRAP_VERSION: u32 = 1;

/// The header in which the control plane's router names the instance a request is meant for.
pub const ROUTED_INSTANCE_HEADER: &str = "x-inbox-instance-id";

/// Where 360Dialog delivers the Cloud API webhooks of an instance's number (under its public origin).
pub const INBOUND_WEBHOOK_PATH: &str = "/api/v1/whatsapp/webhook/";
/// The header, registered with 360Dialog next to the URL, whose value proves a webhook is 360Dialog's.
pub const INBOUND_SECRET_HEADER: &str = "x-inbox-webhook-secret";
/// The host label prefix of an instance's push channel: `websockets-{subdomain}.{base}`.
pub const WEBSOCKET_HOST_PREFIX: &str = "websockets-";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bootstrap {
    pub version: u32,
    pub instance_id: String,
    /// The origin browsers use, e.g. `http://acme.inbox.localhost:8080`, for links in pages and e-mails.
    pub public_origin: String,
    /// Most human users (admins and agents) at once.
    pub max_number_of_seats: u32,
    pub admin: AdminBootstrap,
    pub configurator: Option<ConfiguratorBootstrap>,
    /// SHA-256 (hex) of the token the control plane uses for `/api/v1/platform/…`.
    pub platform_token_sha256: String,
    pub d360: Option<D360Bootstrap>,
    /// SHA-256 (hex) of the value of `INBOUND_SECRET_HEADER` that 360Dialog sends with every
    /// webhook; without it the instance refuses every webhook.
    #[serde(default)]
    pub inbound_webhook_secret_sha256: Option<String>,
    /// The business number the instance serves (`+` and digits), once the platform knows it.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// What the operator's own browser front-end gets: CORS origins and a folder of static files.
    #[serde(default)]
    pub front_end: FrontEndBootstrap,
}

/// Settings of `partner-api serve` every instance applies at each start (none is stored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontEndBootstrap {
    /// Origins (`scheme://host[:port]`) whose pages may call `/api/` from a browser; empty: none.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// A folder served at the instance's origin, with a single-page-app fallback to its
    /// `index.html`; as the instance sees it (a container gets it mounted at a fixed path).
    #[serde(default)]
    pub web_root: Option<std::path::PathBuf>,
}

/// The first admin, activated by the code in the activation URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminBootstrap {
    /// The `admin_email` of Create Instance, or `admin` without one.
    pub username: String,
    pub email: Option<String>,
    /// SHA-256 (hex) of the code in `/confirm_account?c=<code>`.
    pub activation_code_sha256: String,
    /// Unix seconds after which the code no longer works.
    pub activation_expires_at: i64,
}

/// The service account of the `token` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfiguratorBootstrap {
    pub user_name: String,
    /// SHA-256 (hex) of the token sent in the `token` event.
    pub token_sha256: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct D360Bootstrap {
    pub api_key: String,
    /// Base URL of the 360Dialog messaging API.
    pub messaging_url: String,
}

impl std::fmt::Debug for D360Bootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("D360Bootstrap")
            .field("messaging_url", &self.messaging_url)
            .finish_non_exhaustive()
    }
}

/// Body of `PUT /api/v1/platform/activation`: a fresh activation code for an admin who has not
/// chosen a password yet; it replaces the unused one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformActivation {
    /// SHA-256 (hex) of the code in `/confirm_account?c=<code>`.
    pub activation_code_sha256: String,
    /// Unix seconds after which the code no longer works.
    pub activation_expires_at: i64,
}

/// What `PUT /api/v1/platform/activation` answers when the admin has chosen a password already.
pub const ALREADY_ACTIVATED: &str = "The admin has already chosen a password.";

/// Body of `PUT /api/v1/platform/settings`: the control plane applies a partner's PATCH.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSettings {
    pub max_number_of_seats: Option<u32>,
    pub d360: Option<D360Bootstrap>,
}
