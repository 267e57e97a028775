//! All SQL of the instance, over one SQLite file in WAL mode.

pub(crate) mod activation;
mod assignment;
mod business_profile;
mod chat_taggings;
mod chats;
mod conversation;
mod credentials;
pub(crate) mod groups;
pub(crate) mod instance;
mod media;
mod messages;
mod outbox;
mod resolve;
mod saved_responses;
mod search;
mod sessions;
mod tags;
mod team_settings;
mod templates;
pub(crate) mod tokens;
pub(crate) mod users;
mod visibility;

pub use activation::{Activation, ActivationRefusal, Rearmed};
pub use assignment::{
    AssignError, Assigned, AssignedUser, Assignment, AssignmentChange, AssignmentEvent,
    AssignmentEventFilter,
};
pub use chat_taggings::{
    TagOutcome, Tagging, TaggingAction, TaggingError, TaggingEvent, TaggingEventFilter,
};
pub use chats::{ChatFilter, ChatRecord};
pub use conversation::{NewOutgoing, Recorded};
pub use groups::{Group, GroupChange, GroupError, GroupId, GroupName, MembershipError};
pub use instance::{D360Settings, InstanceRecord, PlatformOwned};
pub use media::MediaRecord;
pub use messages::{MessageFilter, MessageRecord};
pub use outbox::OutboxItem;
pub use saved_responses::SavedResponse;
pub use sessions::{Area, StoredSession};
pub use tags::{TagChange, TagWriteError};
pub use team_settings::{ChatVisibility, TeamSettings, TeamSettingsChange, TeamSettingsError};
pub use users::InsertUserError;
pub use visibility::ChatScope;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

pub const DATABASE_FILE: &str = "inbox.db";

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (or creates) `<data_dir>/inbox.db` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join(DATABASE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // A page cache of 512 KiB instead of 2 MiB: the data of one inbox is small.
            .pragma("cache_size", "-512");
        // One connection: SQLite writes one at a time anyway, and each connection costs a thread
        // and a page cache. A handler must therefore never hold a transaction while it acquires
        // the pool again.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .context("cannot open the database")?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        restrict_to_owner(data_dir, 0o700);
        restrict_to_owner(&data_dir.join(DATABASE_FILE), 0o600);
        Ok(Self { pool })
    }

    /// For the bootstrap, which applies all of its changes or none.
    pub(crate) async fn begin(&self) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction that holds the write lock from its first statement (`BEGIN IMMEDIATE`). It
    /// begins in a task of its own, which a dropped request cannot cancel halfway: sqlx 0.8 awaits
    /// once more after a custom `BEGIN` succeeds, and a cancel there would leave the one connection
    /// inside a transaction nothing ever commits.
    pub(crate) async fn begin_immediate(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        let pool = self.pool.clone();
        match tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await }).await {
            Ok(begun) => begun,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(sqlx::Error::WorkerCrashed),
        }
    }

    /// Frees what SQLite holds in memory that it can read again from the file: the page cache.
    pub async fn shrink_memory(&self) -> Result<(), sqlx::Error> {
        sqlx::query("PRAGMA shrink_memory")
            .execute(&self.pool)
            .await
            .map(drop)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The database (and its WAL) holds the 360Dialog key: only the instance's own user may read it.
fn restrict_to_owner(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(error = %e, path = %path.display(), "cannot restrict to the owner");
    }
}

#[cfg(test)]
mod tests {
    use super::Store;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_cancelled_while_its_transaction_begins_leaves_the_database_writable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        // Cancels at many points of the begin; one left open would wedge the one connection.
        for round in 0..10000u64 {
            let _ =
                tokio::time::timeout(Duration::from_micros(round % 200), store.begin_immediate())
                    .await;
            let mut next = store
                .begin_immediate()
                .await
                .unwrap_or_else(|e| panic!("round {round}: the next write is refused: {e}"));
            sqlx::query("UPDATE team_settings SET agent_chat_visibility = agent_chat_visibility")
                .execute(&mut *next)
                .await
                .unwrap();
            next.commit().await.unwrap();
        }
        store.close().await;
    }
}
