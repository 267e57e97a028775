//! The load: webhooks one at a time and from many clients at once, and timed API calls.

use super::whatsapp::{frame_with, text_webhook, wamid, Socket, Webhooks};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Customers writing to the number during the webhook parts.
const CUSTOMERS: usize = 1_000;
/// Requests before each timed series, not counted: the first reads after a start find cold pages.
pub const WARM_UP: usize = 10;

/// Webhook `n` (from `0`): a text message with its own wamid from one of `CUSTOMERS`.
fn webhook(n: usize, text: &str) -> (String, Value) {
    let from = format!("4915200{:06}", n % CUSTOMERS);
    let id = wamid(&from, n as u64);
    let body = text_webhook(&id, &from, "Ana López", text, unix_now());
    (id, body)
}

/// Webhooks `0..count` one after another: from just before each POST to the push frame carrying
/// its wamid, and to its HTTP answer.
pub async fn one_at_a_time(
    webhooks: &Webhooks,
    socket: &mut Socket,
    count: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut to_frame, mut to_answer) = (Vec::new(), Vec::new());
    for n in 0..count {
        let (id, body) = webhook(n, "Hola, is my order ready?");
        let started = Instant::now();
        let answer = async {
            let status = webhooks.post(&body).await;
            (status, Instant::now())
        };
        let ((status, answered), arrived) = tokio::join!(answer, frame_with(socket, &id));
        assert_eq!(status, 200, "webhook {n} answered");
        to_frame.push(arrived - started);
        to_answer.push(answered - started);
    }
    (to_frame, to_answer)
}

/// Webhooks `range` from `clients` concurrent keep-alive clients: the time until every one is
/// answered, and how many were not answered 200.
pub async fn concurrently(
    webhooks: &Webhooks,
    range: std::ops::Range<usize>,
    clients: usize,
) -> (Duration, usize) {
    let next = Arc::new(AtomicUsize::new(range.start));
    let started = Instant::now();
    let clients: Vec<_> = (0..clients)
        .map(|_| {
            let (webhooks, next, end) = (webhooks.clone(), Arc::clone(&next), range.end);
            tokio::spawn(async move {
                let mut failed = 0;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= end {
                        return failed;
                    }
                    let (_, body) = webhook(n, &format!("Message {n}: where is my parcel?"));
                    failed += usize::from(webhooks.post(&body).await != 200);
                }
            })
        })
        .collect();
    let mut failed = 0;
    for client in clients {
        failed += client.await.expect("a client");
    }
    (started.elapsed(), failed)
}

/// Times `count` GETs (after `WARM_UP` untimed ones), each to its whole answer.
pub async fn timed_gets(
    agent: &reqwest::Client,
    mut urls: impl Iterator<Item = String>,
    count: usize,
) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(count);
    for n in 0..WARM_UP + count {
        let url = urls.next().expect("a URL");
        let started = Instant::now();
        let response = agent.get(&url).send().await.expect("an answer");
        assert_eq!(response.status(), 200, "GET {url}");
        response.bytes().await.expect("the body");
        if n >= WARM_UP {
            samples.push(started.elapsed());
        }
    }
    samples
}

/// The `count` of a list page.
pub async fn count(agent: &reqwest::Client, url: &str) -> u64 {
    let answer = agent.get(url).send().await.expect("an answer");
    let page: Value = answer.json().await.expect("a page");
    page["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("a count in {page}"))
}

/// A loopback client; with a token, one that sends `Authorization: Token …`.
pub fn client(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        let value = format!("Token {token}").parse().expect("a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let builder = reqwest::Client::builder().no_proxy();
    builder.default_headers(headers).build().expect("client")
}

pub fn unix_now() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.expect("after 1970").as_secs() as i64
}
