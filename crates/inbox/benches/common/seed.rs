//! A large inbox written straight into a stopped instance's database: chats and messages with
//! the columns of `migrations/0002_messaging.sql`, payloads like real Cloud API text messages,
//! and the search index filled by the schema's own triggers.

use super::whatsapp::{text_message, wamid};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::path::Path;
use std::time::{Duration, Instant};

pub const CHATS: u64 = 100_000;
pub const PER_CHAT: u64 = 10;
/// Seconds between two messages of the whole inbox: a million of them span about 58 days.
const STEP: i64 = 5;
const ROWS_PER_INSERT: u64 = 1_000;
const ROWS_PER_TRANSACTION: u64 = 100_000;

const FIRST: &[&str] = &[
    "Ana", "Bruno", "Chloé", "David", "Elif", "Femi", "Giulia", "Hans", "Inês", "Jonas",
    "Kateryna", "Lukas", "María", "Nikos", "Olga", "Pedro", "Quentin", "Rania", "Sven", "Tomás",
    "Ursula", "Vikram", "Wiebke", "Xavier", "Yusuf", "Zofia",
];
const LAST: &[&str] = &[
    "López",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Yılmaz",
    "Okafor",
    "Novak",
    "Müller",
    "Silva",
    "Kowalski",
    "Andersen",
    "García",
    "Papadopoulos",
    "Fischer",
    "Moreau",
    "Costa",
    "Nowak",
];
const CUSTOMER: &[&str] = &[
    "Hello, is my order {o} ready?",
    "Where is my parcel? The tracking page has said the same since Monday.",
    "Can I change the delivery address for order {o}?",
    "Thanks, it arrived today 🙂",
    "I'd like a refund for order {o}, the size is wrong.",
    "Are you open on Saturday morning?",
    "The invoice for {o} shows the wrong VAT number.",
];
const AGENT: &[&str] = &[
    "Hi! Order {o} left our warehouse this morning.",
    "Of course, which address should we use?",
    "Your refund for {o} is on its way: 3 to 5 business days.",
    "We are open from 9 to 13 on Saturdays.",
];

pub struct Seeded {
    pub elapsed: Duration,
    pub file_bytes: u64,
}

/// The customer number of seeded chat `chat`.
pub fn wa_id(chat: u64) -> String {
    format!("49170{chat:08}")
}

/// Writes `CHATS` chats of `PER_CHAT` messages each, the newest just before `until` (Unix
/// seconds). Message `n` belongs to chat `n % CHATS`, so ids grow with time as they do live.
pub async fn seed(data_dir: &Path, until: i64) -> Seeded {
    let started = Instant::now();
    let file = data_dir.join("inbox.db");
    let mut db = SqliteConnectOptions::new()
        .filename(&file)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144")
        .connect()
        .await
        .expect("open the instance's database");
    let agent: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'agent'")
        .fetch_optional(&mut db)
        .await
        .expect("the agent");
    let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM messages")
        .fetch_one(&mut db)
        .await
        .expect("the next message id");
    let plan = Plan {
        first_id,
        first_at: until - (CHATS * PER_CHAT) as i64 * STEP,
        agent,
    };
    in_transactions(&mut db, CHATS, |q, range| plan.push_chats(q, range)).await;
    in_transactions(&mut db, CHATS * PER_CHAT, |q, range| {
        plan.push_messages(q, range)
    })
    .await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut db)
        .await
        .expect("checkpoint");
    db.close().await.expect("close");
    Seeded {
        elapsed: started.elapsed(),
        file_bytes: std::fs::metadata(&file).expect("the database file").len(),
    }
}

/// Inserts rows `0..total` with multi-row `INSERT`s, many to a transaction.
async fn in_transactions<F>(db: &mut SqliteConnection, total: u64, mut push: F)
where
    F: FnMut(&mut QueryBuilder<'static, Sqlite>, std::ops::Range<u64>),
{
    for tx_start in (0..total).step_by(ROWS_PER_TRANSACTION as usize) {
        let mut tx = db.begin().await.expect("begin");
        let tx_end = (tx_start + ROWS_PER_TRANSACTION).min(total);
        for start in (tx_start..tx_end).step_by(ROWS_PER_INSERT as usize) {
            let mut query = QueryBuilder::new("");
            push(&mut query, start..(start + ROWS_PER_INSERT).min(tx_end));
            query.build().execute(&mut *tx).await.expect("insert");
        }
        tx.commit().await.expect("commit");
    }
}

struct Plan {
    first_id: i64,
    first_at: i64,
    agent: Option<i64>,
}

impl Plan {
    fn at(&self, n: u64) -> i64 {
        self.first_at + n as i64 * STEP
    }

    fn push_chats(&self, query: &mut QueryBuilder<'static, Sqlite>, chats: std::ops::Range<u64>) {
        query.push(
            "INSERT INTO chats (wa_id, name, last_message_id, last_message_at, last_inbound_at, \
             new_messages, created_at) ",
        );
        query.push_values(chats, |mut row, chat| {
            let last = (PER_CHAT - 1) * CHATS + chat;
            let name = format!(
                "{} {}",
                FIRST[chat as usize % FIRST.len()],
                LAST[(chat as usize / FIRST.len()) % LAST.len()]
            );
            row.push_bind(wa_id(chat))
                .push_bind(name)
                .push_bind(self.first_id + last as i64)
                .push_bind(self.at(last))
                .push_bind(self.at(last))
                .push_bind(i64::from(unread(chat)))
                .push_bind(self.at(chat));
        });
    }

    /// Per chat: the customer writes, we answer every third message; the last one is the
    /// customer's, still unread in one chat of five.
    fn push_messages(&self, query: &mut QueryBuilder<'static, Sqlite>, ns: std::ops::Range<u64>) {
        query.push(
            "INSERT INTO messages (id, wamid, wa_id, from_us, type, timestamp, waba_payload, \
             search_text, sender_id, received, sent_at, delivered_at, read_at) ",
        );
        query.push_values(ns, |mut row, n| {
            let (chat, k) = (n % CHATS, n / CHATS);
            let (wa_id, at) = (wa_id(chat), self.at(n));
            let wamid = wamid(&wa_id, n);
            let from_us = k % 3 == 2;
            let texts = if from_us { AGENT } else { CUSTOMER };
            let order = (10_000 + (chat * 7 + k) % 90_000).to_string();
            let text = texts[(chat + k) as usize % texts.len()].replace("{o}", &order);
            let payload = if from_us {
                json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                       "to": wa_id, "type": "text", "text": {"body": text}, "id": wamid})
            } else {
                text_message(&wamid, &wa_id, &text, at)
            };
            let received = from_us || !(k == PER_CHAT - 1 && unread(chat));
            row.push_bind(self.first_id + n as i64)
                .push_bind(wamid)
                .push_bind(wa_id)
                .push_bind(from_us)
                .push_bind("text")
                .push_bind(at)
                .push_bind(payload.to_string())
                .push_bind(text)
                .push_bind(self.agent.filter(|_| from_us))
                .push_bind(received)
                .push_bind(from_us.then_some(at + 1))
                .push_bind(from_us.then_some(at + 2))
                .push_bind(from_us.then_some(at + 40));
        });
    }
}

fn unread(chat: u64) -> bool {
    chat % 5 == 0
}
