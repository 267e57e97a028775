//! A restart on a SQLite file another process still holds: the new start waits for the lock.

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
