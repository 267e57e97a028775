//! The state of record: one SQL text per query, run on SQLite or PostgreSQL through sqlx's `Any`
//! driver. Times are Unix milliseconds and JSON is text, the types both backends share.

pub mod api_keys;
pub mod deployments;
pub mod events;
pub mod idempotency;
pub mod instances;
pub mod jobs;
pub mod key_checks;
pub mod lifecycle;
pub mod partners;
pub mod sandbox_d360;
mod signals;

pub use signals::{InstanceWatch, Signal, Signals};

use crate::crypto::SecretBox;
use anyhow::{bail, Context};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            bail!("--database-url must start with sqlite: or postgres://")
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    secrets: SecretBox,
    signals: Signals,
    listener: Option<std::sync::Arc<tokio::task::JoinHandle<()>>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects, applies the migrations of the backend and checks that the secret key is the one
    /// the database was started with.
    pub async fn connect(
        url: &str,
        secrets: SecretBox,
        max_connections: u32,
    ) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // The busy timeout comes first: even switching to WAL needs a lock, which a
                        // process just releasing the file (a restart) may still hold. WAL lets
                        // readers proceed while one writer commits.
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("connecting to the database at {}", redact_url(url)))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .context("applying database migrations")?;
        let signals = Signals::new(backend);
        // On PostgreSQL other replicas' changes arrive as notifications.
        let listener = (backend == Backend::Postgres).then(|| {
            let task = tokio::spawn(signals::listen_to_postgres(url.to_owned(), signals.clone()));
            std::sync::Arc::new(task)
        });
        let db = Self {
            pool,
            backend,
            secrets,
            signals,
            listener,
        };
        db.check_secret_key().await?;
        Ok(db)
    }

    async fn check_secret_key(&self) -> anyhow::Result<()> {
        let fingerprint = self.secrets.fingerprint().to_owned();
        sqlx::query("INSERT INTO settings (name, value) VALUES ('secret_key_fingerprint', $1) ON CONFLICT (name) DO NOTHING")
            .bind(&fingerprint)
            .execute(&self.pool)
            .await?;
        let stored: String =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = 'secret_key_fingerprint'")
                .fetch_one(&self.pool)
                .await?;
        if stored != fingerprint {
            bail!(
                "this database was initialised with another secret key (fingerprint {stored}, this process has {fingerprint}); \
                 give every process the same --secret-key"
            );
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// Whether the database answers, for the health endpoint.
    pub async fn ping(&self) -> bool {
        let probe = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), probe).await,
            Ok(Ok(1))
        )
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers queue on the busy timeout instead of failing when one upgrades a read to a write.
    ///
    /// It begins in a task of its own, which a caller that stops waiting (a dropped request, a
    /// worker told to stop) cannot cancel halfway: sqlx 0.8 awaits once more after a custom `BEGIN`
    /// succeeds, and a cancel there leaves the transaction open on a pooled connection, holding
    /// SQLite's write lock until the pool closes, so every other writer waits out the busy timeout.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let (pool, backend) = (self.pool.clone(), self.backend);
        let tx = tokio::spawn(async move {
            match backend {
                Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Backend::Postgres => pool.begin().await,
            }
        })
        .await??;
        Ok(Tx {
            tx,
            signals: Vec::new(),
            db: self.clone(),
        })
    }

    pub async fn close(&self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        self.pool.close().await;
    }
}

/// A transaction that also carries the signals to send once it commits.
pub struct Tx {
    tx: Transaction<'static, Any>,
    signals: Vec<Signal>,
    db: Db,
}

impl Tx {
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub fn signal(&mut self, signal: Signal) {
        if !self.signals.contains(&signal) {
            self.signals.push(signal);
        }
    }

    pub async fn commit(mut self) -> anyhow::Result<()> {
        if self.db.backend == Backend::Postgres {
            for signal in &self.signals {
                // Delivered to every replica's listener only if the transaction commits.
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(signals::PG_CHANNEL)
                    .bind(signal.encode())
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.tx.commit().await?;
        for signal in self.signals {
            self.db.signals.send_local(signal);
        }
        Ok(())
    }
}

/// Whether `err` is a unique violation of `index` (named by PostgreSQL) on `table.column`
/// (named by SQLite).
pub fn is_unique_violation(err: &sqlx::Error, index: &str, table_column: &str) -> bool {
    let sqlx::Error::Database(db_err) = err else {
        return false;
    };
    if !db_err.is_unique_violation() {
        return false;
    }
    db_err.constraint() == Some(index) || db_err.message().contains(table_column)
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

pub(crate) fn opt_i64(row: &AnyRow, column: &str) -> Option<i64> {
    sqlx::Row::try_get::<Option<i64>, _>(row, column)
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_backends_have_the_same_migration_versions() {
        let versions = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().next().is_some());
    }

    /// Version 2 was never used (the second migration shipped as 3); databases already carry
    /// 3 onwards, and sqlx refuses a database whose applied versions are missing or changed, so
    /// the gap stays. No new one may open.
    #[test]
    fn migration_versions_are_consecutive_but_for_the_never_used_2() {
        let versions: Vec<i64> = SQLITE_MIGRATIONS.iter().map(|m| m.version).collect();
        let last = *versions.last().unwrap();
        let expected: Vec<i64> = (1..=last).filter(|v| *v != 2).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn passwords_in_database_urls_are_not_printed() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
