use crate::login_limiter::LoginLimiter;
use crate::messaging::Messaging;
use crate::provision::Identity;
use crate::push::Hub;
use crate::quiet::Activity;
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub identity: Arc<Identity>,
    pub limiter: Arc<LoginLimiter>,
    pub push: Hub,
    pub messaging: Messaging,
    pub activity: Arc<Activity>,
}

impl AppState {
    pub fn new(store: Store, identity: Identity, data_dir: &Path) -> Self {
        Self {
            store,
            identity: Arc::new(identity),
            limiter: Arc::default(),
            push: Hub::default(),
            messaging: Messaging::new(data_dir),
            activity: Arc::default(),
        }
    }

    /// Cookies get `Secure` when browsers reach the instance over https.
    pub fn secure_cookies(&self) -> bool {
        self.identity.public_origin.starts_with("https://")
    }
}
