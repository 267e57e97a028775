//! SQLite's one write lock: a restart on a file another process still holds waits for it, and a
//! caller that stops waiting for a transaction leaves it behind for nobody.

use partner_api::crypto::SecretBox;
use partner_api::store::Db;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_on_a_sqlite_file_another_process_is_writing_waits_for_the_lock_and_writes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("api.db").display());
    let secrets = SecretBox::from_key(&[7; 32]);
    let old = Db::connect(&url, secrets.clone(), 2).await.unwrap();
    let mut releasing = old.begin().await.unwrap();
    sqlx::query("UPDATE settings SET value = value WHERE name = 'secret_key_fingerprint'")
        .execute(releasing.conn())
        .await
        .unwrap();

    let new = tokio::spawn(async move {
        let db = Db::connect(&url, secrets, 2).await?;
        sqlx::query("INSERT INTO settings (name, value) VALUES ('restarted', 'yes')")
            .execute(db.pool())
            .await?;
        anyhow::Ok(db)
    });
    // Arrangement, not an assertion: the new start meets the lock if it gets this far meanwhile.
    tokio::time::sleep(Duration::from_millis(300)).await;
    releasing.commit().await.unwrap();
    old.close().await;

    let new = new
        .await
        .unwrap()
        .expect("the start waits for the lock instead of failing with 'database is locked'");
    let written: String = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'restarted'")
        .fetch_one(new.pool())
        .await
        .unwrap();
    assert_eq!(written, "yes");
    new.close().await;
}

/// A write transaction cancelled while it begins (the request dropped, the worker stopping) is
/// rolled back, so the next writer is not held up by the busy timeout and then refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_cancelled_while_its_transaction_begins_leaves_the_database_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("api.db").display());
    let db = Db::connect(&url, SecretBox::from_key(&[7; 32]), 2)
        .await
        .unwrap();
    // Cancels at many points of the begin; one left open would lock out the writes below.
    for round in 0..10000u64 {
        let _ = tokio::time::timeout(Duration::from_micros(round % 200), db.begin()).await;
        let mut next = db
            .begin()
            .await
            .unwrap_or_else(|e| panic!("round {round}: the next writer is refused: {e:#}"));
        sqlx::query("INSERT INTO settings (name, value) VALUES ('round', $1) ON CONFLICT (name) DO UPDATE SET value = $1")
            .bind(round.to_string())
            .execute(next.conn())
            .await
            .unwrap();
        next.commit().await.unwrap();
    }
    db.close().await;
}
