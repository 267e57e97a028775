//! Random secrets handed out once (API tokens, session cookies, form keys) and the SHA-256
//! digests under which they are stored and compared.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh secret of `bytes` random bytes, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

pub fn random_bytes(bytes: usize) -> Vec<u8> {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    buf
}

/// The SHA-256 of a secret as lower-case hex: what the database and the bootstrap file hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretDigest(String);

impl SecretDigest {
    pub fn of(secret: &str) -> Self {
        Self(hex::encode(Sha256::digest(secret.as_bytes())))
    }

    /// Accepts 64 hex digits, in either case.
    pub fn parse_hex(hex_digest: &str) -> Option<Self> {
        let is_digest = hex_digest.len() == 64 && hex_digest.bytes().all(|b| b.is_ascii_hexdigit());
        is_digest.then(|| Self(hex_digest.to_ascii_lowercase()))
    }

    pub fn as_hex(&self) -> &str {
        &self.0
    }

    /// Compares in constant time, so that the answer's timing says nothing of the stored digest.
    pub fn matches(&self, other: &SecretDigest) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_matches_only_the_digest_of_the_same_secret() {
        let stored = SecretDigest::of("a0a08b0e-f79c-4ec7-bbd4-a1697502bff0");
        assert!(stored.matches(&SecretDigest::of("a0a08b0e-f79c-4ec7-bbd4-a1697502bff0")));
        assert!(!stored.matches(&SecretDigest::of("a0a08b0e-f79c-4ec7-bbd4-a1697502bff1")));
    }

    #[test]
    fn stored_digests_are_read_in_either_case_and_must_be_64_hex_digits() {
        let upper = SecretDigest::of("x").as_hex().to_ascii_uppercase();
        assert_eq!(SecretDigest::parse_hex(&upper), Some(SecretDigest::of("x")));
        assert_eq!(SecretDigest::parse_hex("abc"), None);
        assert_eq!(SecretDigest::parse_hex(&"g".repeat(64)), None);
    }
}
