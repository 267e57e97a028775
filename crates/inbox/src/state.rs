use crate::login_limiter::LoginLimiter;
use crate::provision::Identity;
use crate::store::Store;
use std::sync::Arc;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub identity: Arc<Identity>,
    pub limiter: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(store: Store, identity: Identity) -> Self {
        Self {
            store,
            identity: Arc::new(identity),
            limiter: Arc::default(),
        }
    }

    /// Cookies get `Secure` when browsers reach the instance over https.
    pub fn secure_cookies(&self) -> bool {
        self.identity.public_origin.starts_with("https://")
    }
}
