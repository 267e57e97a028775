//! CSRF tokens: an HMAC of what the form is bound to, keyed with the instance's form key.
//!
//! Forms of a signed-in page are bound to the session (a synchronizer token that needs no
//! storage); sign-in forms, which have no session yet, are bound to a random `login_csrf` cookie
//! (a signed double-submit cookie). A token from another session or another browser never fits.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type FormMac = Hmac<Sha256>;

/// The field every form carries.
pub const FIELD: &str = "csrf_token";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding<'a> {
    /// The SHA-256 of the session cookie.
    Session(&'a str),
    /// The value of the `login_csrf` cookie.
    SignInForm(&'a str),
}

pub fn token(key: &[u8], binding: Binding<'_>) -> String {
    hex::encode(mac(key, binding).finalize().into_bytes())
}

/// Constant-time check of a token sent back with a form.
pub fn verify(key: &[u8], binding: Binding<'_>, presented: &str) -> bool {
    match hex::decode(presented.trim()) {
        Ok(bytes) => mac(key, binding).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

fn mac(key: &[u8], binding: Binding<'_>) -> FormMac {
    // An HMAC accepts a key of any length, so this cannot fail.
    let mut mac = FormMac::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    let (kind, value) = match binding {
        Binding::Session(v) => ("session", v),
        Binding::SignInForm(v) => ("sign-in", v),
    };
    mac.update(kind.as_bytes());
    mac.update(b":");
    mac.update(value.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_fits_only_its_own_binding_and_key() {
        let key = b"0123456789abcdef0123456789abcdef";
        let token = token(key, Binding::Session("s1"));
        assert!(verify(key, Binding::Session("s1"), &token));
        assert!(!verify(key, Binding::Session("s2"), &token));
        assert!(!verify(key, Binding::SignInForm("s1"), &token));
        assert!(!verify(b"another key", Binding::Session("s1"), &token));
        assert!(!verify(key, Binding::Session("s1"), ""));
        assert!(!verify(key, Binding::Session("s1"), "not hex"));
    }
}
