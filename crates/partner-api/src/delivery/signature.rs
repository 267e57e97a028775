//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed
//! with the decoded bytes of a `whsec_…` secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

const PREFIX: &str = "whsec_";

/// A partner's signing secret. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    /// `whsec_` followed by base64 (the prefix is optional, as in the Standard Webhooks libraries).
    pub fn parse(raw: &str) -> Option<Self> {
        let encoded = raw.strip_prefix(PREFIX).unwrap_or(raw);
        let key = STANDARD.decode(encoded).ok()?;
        (!key.is_empty()).then_some(Self(key))
    }

    /// `v1,<signature>` of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

/// The `webhook-signature` value: one signature per secret in force, space-separated, so a
/// receiver that still holds the secret from before a rotation keeps verifying.
pub fn signature_header(
    secrets: &[SigningSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference implementations.
    #[test]
    fn the_signature_matches_the_specifications_example() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn two_secrets_give_two_space_separated_signatures() {
        let a = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let b = SigningSecret::parse("whsec_c2VjcmV0").unwrap();
        let header = signature_header(&[a.clone(), b.clone()], "msg_1", 1, b"{}");
        assert_eq!(
            header,
            format!(
                "{} {}",
                a.sign("msg_1", 1, b"{}"),
                b.sign("msg_1", 1, b"{}")
            )
        );
        assert_ne!(a.sign("msg_1", 1, b"{}"), a.sign("msg_1", 2, b"{}"));
    }

    #[test]
    fn malformed_secrets_do_not_parse_and_keys_are_not_printed() {
        assert!(SigningSecret::parse("whsec_!!!").is_none());
        assert!(SigningSecret::parse("whsec_").is_none());
        let secret = SigningSecret::parse("whsec_c2VjcmV0").unwrap();
        assert_eq!(format!("{secret:?}"), "SigningSecret(***)");
    }
}
