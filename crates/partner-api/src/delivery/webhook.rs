//! One webhook attempt: the enqueued body exactly, the partner's headers, the Standard Webhooks
//! headers, and what the answer means for the event.

use super::outbound::{find_refusal, SafeClient};
use super::signature::{signature_header, SigningSecret};
use super::{Outcome, Verdict};
use crate::store::events::ClaimedEvent;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use std::time::{Duration, SystemTime};
use url::Url;

/// How much of an answer's body is kept in the delivery log.
pub const RESPONSE_BODY_LIMIT: usize = 1024;

pub async fn send(
    client: &SafeClient,
    secrets: &[SigningSecret],
    event: &ClaimedEvent,
    timeout: Duration,
) -> Outcome {
    let url = match Url::parse(&event.target) {
        Ok(url) => url,
        Err(e) => return Outcome::stop(format!("invalid webhook URL: {e}"), "refused"),
    };
    let request = match client.post(&url) {
        Ok(request) => request,
        Err(refused) => return Outcome::retry(refused.to_string(), "refused"),
    };
    let timestamp = unix_seconds();
    let body = event.payload.as_bytes().to_vec();
    let mut headers = partner_headers(event);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let signature = signature_header(secrets, event.id.as_str(), timestamp, &body);
    for (name, value) in [
        ("webhook-id", event.id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    // The client's own timeout covers the answer; this one also bounds reading its first KiB.
    let exchange = async {
        let response = request.headers(headers).body(body).send().await?;
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).cloned();
        let body = read_prefix(response).await;
        Ok::<_, reqwest::Error>((status, retry_after, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Outcome::retry(timeout_message(timeout), "network_error"),
        Ok(Err(e)) => Outcome::retry(describe(&e, timeout), network_label(&e)),
        Ok(Ok((status, retry_after, body))) => judge(status, retry_after.as_ref(), body),
    }
}

/// What an HTTP answer means: 2xx delivered, 410 stop, anything else (3xx included: redirects
/// are not followed) retry, after `Retry-After` on 429 and 503.
fn judge(status: StatusCode, retry_after: Option<&HeaderValue>, body: String) -> Outcome {
    let verdict = if status.is_success() {
        Verdict::Success
    } else if status == StatusCode::GONE {
        Verdict::Stop
    } else {
        let honoured = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        );
        let retry_after = retry_after
            .filter(|_| honoured)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::schedule::parse_retry_after(v, SystemTime::now()));
        Verdict::Retry { retry_after }
    };
    Outcome {
        http_status: Some(status.as_u16()),
        error: None,
        response_body: Some(body),
        label: if status.is_success() {
            "success"
        } else {
            "http_error"
        },
        verdict,
    }
}

/// The partner's `webhook_headers`, checked when the instance was created; a pair that no longer
/// passes is left out rather than sent malformed.
fn partner_headers(event: &ClaimedEvent) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in event.headers.iter() {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => {
                tracing::warn!(event_id = %event.id, header = name, "webhook header left out: not valid on the wire")
            }
        }
    }
    headers
}

async fn read_prefix(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(RESPONSE_BODY_LIMIT);
    String::from_utf8_lossy(&kept).into_owned()
}

fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if let Some(refused) = find_refusal(err) {
        return refused.to_string();
    }
    if err.is_timeout() {
        return timeout_message(timeout);
    }
    let mut root: &dyn std::error::Error = err;
    while let Some(source) = root.source() {
        root = source;
    }
    let what = if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{what}: {root}")
}

fn network_label(err: &reqwest::Error) -> &'static str {
    if find_refusal(err).is_some() {
        "refused"
    } else {
        "network_error"
    }
}

fn timeout_message(timeout: Duration) -> String {
    format!("timeout: no answer within {} s", timeout.as_secs_f64())
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(status: u16, retry_after: Option<&str>) -> Verdict {
        let value = retry_after.map(|v| HeaderValue::from_str(v).unwrap());
        judge(
            StatusCode::from_u16(status).unwrap(),
            value.as_ref(),
            String::new(),
        )
        .verdict
    }

    #[test]
    fn success_gone_and_everything_else_are_told_apart() {
        assert_eq!(verdict(200, None), Verdict::Success);
        assert_eq!(verdict(204, None), Verdict::Success);
        assert_eq!(verdict(410, None), Verdict::Stop);
        for status in [301, 302, 400, 404, 500, 502] {
            assert_eq!(
                verdict(status, None),
                Verdict::Retry { retry_after: None },
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_counts_on_429_and_503_only() {
        let two = Some(Duration::from_secs(2));
        assert_eq!(verdict(429, Some("2")), Verdict::Retry { retry_after: two });
        assert_eq!(verdict(503, Some("2")), Verdict::Retry { retry_after: two });
        assert_eq!(
            verdict(500, Some("2")),
            Verdict::Retry { retry_after: None }
        );
    }
}
