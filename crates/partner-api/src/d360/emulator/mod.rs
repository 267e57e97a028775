//! An emulation of the 360Dialog hub and messaging endpoints, served by `serve` under
//! `/sandbox/360dialog/` when the sandbox is on, with a simulator of the numbers' customers. The
//! production client and the instances talk to it exactly as they talk to 360Dialog.
//!
//! Its world: every channel id of 3 to 64 letters and digits exists and has its own phone number;
//! any other channel id (one with `-` or `_`, or shorter than 3) is unknown. A generated key
//! revokes the channel's previous one. Its state (keys, webhooks, messages, media, outages,
//! business profiles) lives in the database, so it survives a restart like 360Dialog's and every
//! replica shares it.

mod access;
pub mod customer;
mod hub;
mod media;
mod messaging;
mod outgoing;
mod profile;
mod refusal;
mod resolver;
mod simulator;
mod statuses;
mod templates;
mod webhook;

pub use resolver::client as webhook_client;

use super::PhoneNumber;
use crate::api::AppState;
use crate::crypto::sha256_hex;
use crate::store::Db;
use axum::Router;

/// The hub credentials of the sandbox: public, like the sandbox partner key itself.
pub const HUB_PARTNER_ID: &str = "sandbox";
pub const HUB_API_KEY: &str = "sandbox-hub-key";
/// Where `serve` mounts the emulator.
pub const MOUNT: &str = "/sandbox/360dialog";

/// The base URLs of the emulated hub and messaging APIs on a service at `api_origin`.
pub fn hub_url(api_origin: &str) -> String {
    format!("{api_origin}{MOUNT}/api/v2")
}

pub fn messaging_url(api_origin: &str) -> String {
    format!("{api_origin}{MOUNT}")
}

pub fn channel_exists(channel_id: &str) -> bool {
    (3..=64).contains(&channel_id.len()) && channel_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A stable, distinct-looking German mobile number for each channel.
pub fn phone_number_of(channel_id: &str) -> PhoneNumber {
    let digest = sha256_hex(channel_id);
    let n = u64::from_str_radix(&digest[..15], 16).unwrap_or(0) % 1_000_000_000;
    PhoneNumber::parse(&format!("+49 15{n:09}")).expect("13 digits form a phone number")
}

/// What the emulator's handlers share: the service's state (its database, and the partner
/// authentication the simulator reuses) and the client that sends the channels' webhooks.
#[derive(Clone)]
struct Emulator {
    app: AppState,
    http: reqwest::Client,
}

impl Emulator {
    fn db(&self) -> &Db {
        &self.app.db
    }
}

pub fn router<S>(app: AppState) -> Router<S> {
    let emulator = Emulator {
        app,
        http: webhook_client(),
    };
    Router::new()
        .merge(hub::routes())
        .merge(messaging::routes())
        .merge(media::routes())
        .merge(profile::routes())
        .merge(simulator::routes())
        .with_state(emulator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_of_3_to_64_letters_and_digits_exist() {
        assert!(channel_exists("ChAnElCH"));
        assert!(channel_exists("abc"));
        for unknown in ["ab", "no_such", "no-such", "ä123", &"c".repeat(65)] {
            assert!(!channel_exists(unknown), "{unknown}");
        }
    }

    #[test]
    fn each_channel_has_a_stable_number_of_its_own() {
        assert_eq!(phone_number_of("ChAnElCH"), phone_number_of("ChAnElCH"));
        assert_ne!(phone_number_of("ChAnElCH"), phone_number_of("ChAnElCH2"));
        assert!(phone_number_of("x1y").as_str().starts_with("+4915"));
    }
}
