//! Secrets at rest and the tokens the platform hands out.
//!
//! Secrets the platform must read back (360Dialog keys, webhook signing secrets) are sealed with
//! XChaCha20-Poly1305 under the operator's key. Tokens it only has to recognise (API keys,
//! instance tokens) are kept as SHA-256 hashes: they are long random strings, so a fast hash is
//! enough and a slow password hash would only cost latency.

use anyhow::{anyhow, bail, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

const SEALED_PREFIX: &str = "v1:";

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    fingerprint: String,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBox({})", self.fingerprint)
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
            fingerprint: sha256_hex(key)[..16].to_owned(),
        }
    }

    /// The key from its base64 form, or else the one in `<data_dir>/secret.key`, created once
    /// (readable by the owner only) on first start.
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(encoded) = configured {
            return Self::from_base64(encoded).context("--secret-key must be 32 bytes in base64");
        }
        let path = data_dir.join("secret.key");
        if path.exists() {
            let encoded = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return Self::from_base64(encoded.trim())
                .with_context(|| format!("{} does not hold a valid key", path.display()));
        }
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut OsRng, &mut key);
        write_private_file(&path, STANDARD.encode(key).as_bytes())?;
        Ok(Self::from_key(&key))
    }

    fn from_base64(encoded: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(encoded.trim())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow!("key is not 32 bytes"))?;
        Ok(Self::from_key(&key))
    }

    /// Identifies the key without revealing it, so a replica started with another key is caught.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let Some(encoded) = sealed.strip_prefix(SEALED_PREFIX) else {
            bail!("not a sealed secret");
        };
        let bytes = STANDARD.decode(encoded)?;
        if bytes.len() < 24 {
            bail!("sealed secret too short");
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow!("sealed secret does not open with this key"))?;
        Ok(String::from_utf8(plain)?)
    }
}

pub fn write_private_file(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// A random string of letters and digits: `len` characters carry `len × 5.95` bits.
pub fn random_alphanumeric(len: usize) -> String {
    Alphanumeric.sample_string(&mut OsRng, len)
}

/// 32 random bytes in URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let a = SecretBox::from_key(&[1; 32]);
        let b = SecretBox::from_key(&[2; 32]);
        let sealed = a.seal("d360-key-123");
        assert!(!sealed.contains("d360-key-123"));
        assert_eq!(a.open(&sealed).unwrap(), "d360-key-123");
        assert!(b.open(&sealed).is_err());
        assert_ne!(a.seal("x"), a.seal("x"), "each seal uses a fresh nonce");
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load_or_create(None, dir.path()).unwrap();
        let second = SecretBox::load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.fingerprint(), second.fingerprint());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
