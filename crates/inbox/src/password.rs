//! Password hashing with argon2id, off the async thread: one hash takes tens of milliseconds.

use crate::domain::NewPassword;
use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

/// Argon2id with 46 MiB, 1 pass, 1 lane: one of OWASP's recommended settings. Of those, this one
/// keeps an idle instance small: its block is above glibc's largest mmap threshold (32 MiB), so it
/// is mapped for each hash and given back to the system right after, where a 19 MiB block would
/// stay in the heap for good.
fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(46 * 1024, 1, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string (`$argon2id$…`) to store.
pub async fn hash(password: NewPassword) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .context("the hashing task failed")?
}

/// Whether `candidate` is the password of `stored`. A user without a password (or no user at all)
/// costs the same time as a wrong password, so the answer's timing does not tell which it was.
pub async fn verify(candidate: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let (phc, real) = match &stored {
            Some(phc) => (phc.as_str(), true),
            None => {
                dummy = dummy_hash()?;
                (dummy, false)
            }
        };
        let parsed = PasswordHash::new(phc).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let matches = hasher()?
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok();
        Ok(real && matches)
    })
    .await
    .context("the verifying task failed")?
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(phc.to_string())
}

fn dummy_hash() -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(phc) = DUMMY.get() {
        return Ok(phc);
    }
    let phc = hash_now(&crate::secret::random_hex(16))?;
    Ok(DUMMY.get_or_init(|| phc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_right_password_verifies_and_a_missing_hash_never_does() {
        let phc = hash(NewPassword::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!verify("correct horse battery!".into(), Some(phc))
            .await
            .unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
