//! Reading 360Dialog's answers: a status becomes a [`D360Error`] the caller can act on, a body is
//! read only up to a cap, and a refusal carries the Cloud API error's own words.

use super::D360Error;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// JSON answers (a page of templates is the biggest) are read up to this size.
pub(super) const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;
/// The longest part of an unrecognised error body kept in an error.
const MAX_SNIPPET_CHARS: usize = 300;

pub(super) fn unavailable(e: reqwest::Error) -> D360Error {
    D360Error::Unavailable(e.without_url().to_string())
}

/// The answer if it is a success, else the error its status means.
pub(super) async fn success(response: Response, what: &str) -> Result<Response, D360Error> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(D360Error::KeyRejected),
        StatusCode::TOO_MANY_REQUESTS => Err(D360Error::Unavailable(format!("{what}: {status}"))),
        s if s.is_server_error() => Err(D360Error::Unavailable(format!("{what}: {status}"))),
        s if s.is_client_error() => {
            let body = read_capped(response, MAX_JSON_BYTES)
                .await
                .unwrap_or_default();
            Err(D360Error::Refused {
                status: s.as_u16(),
                details: error_details(&body),
            })
        }
        s => Err(D360Error::Unexpected(format!("{what}: {s}"))),
    }
}

pub(super) async fn json<T: DeserializeOwned>(
    response: Response,
    what: &str,
) -> Result<T, D360Error> {
    let body = read_capped(response, MAX_JSON_BYTES).await?;
    serde_json::from_slice(&body)
        .map_err(|e| D360Error::Unexpected(format!("{what}: not the expected JSON: {e}")))
}

/// The whole body, or an error as soon as it is known to be longer than `cap`.
pub(super) async fn read_capped(mut response: Response, cap: usize) -> Result<Vec<u8>, D360Error> {
    let too_large = || D360Error::Unexpected(format!("the answer is larger than {cap} bytes"));
    let announced = response.content_length().unwrap_or(0);
    if announced > cap as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(announced as usize);
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What a refusal says: the Cloud API's `{"error":{"message","code","error_data":{"details"}}}`,
/// the older `{"errors":[{"title","code","details"}]}`, a `{"detail"}`, or the start of the body.
pub(super) fn error_details(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let described = parsed.as_ref().and_then(|value| {
        if let Some(error) = value.get("error").filter(|e| e.is_object()) {
            Some(describe(
                error.get("message"),
                error.get("code"),
                error.pointer("/error_data/details"),
            ))
        } else if let Some(first) = value.pointer("/errors/0") {
            Some(describe(
                first.get("title").or_else(|| first.get("message")),
                first.get("code"),
                first.get("details"),
            ))
        } else {
            value
                .get("detail")
                .or_else(|| value.pointer("/meta/developer_message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        }
    });
    described
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| snippet(body))
}

/// `message (code 131047): details`, with whichever parts there are.
fn describe(message: Option<&Value>, code: Option<&Value>, details: Option<&Value>) -> String {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut out = text(message).unwrap_or_default();
    if let Some(code) = text(code) {
        out = format!("{out} (code {code})").trim_start().to_owned();
    }
    if let Some(details) = text(details) {
        out = if out.is_empty() {
            details
        } else {
            format!("{out}: {details}")
        };
    }
    out
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(MAX_SNIPPET_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_api_error_gives_its_message_code_and_details() {
        let body = br#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"More than 24 hours have passed"},"fbtrace_id":"x"}}"#;
        assert_eq!(
            error_details(body),
            "(#131047) Re-engagement message (code 131047): More than 24 hours have passed"
        );
    }

    #[test]
    fn an_on_premise_error_gives_its_title_code_and_details() {
        let body = br#"{"errors":[{"code":1008,"title":"Required parameter is missing","details":"Parameter 'to' is required"}]}"#;
        assert_eq!(
            error_details(body),
            "Required parameter is missing (code 1008): Parameter 'to' is required"
        );
    }

    #[test]
    fn other_bodies_give_their_detail_or_their_start() {
        assert_eq!(error_details(br#"{"detail":"Not found."}"#), "Not found.");
        assert_eq!(error_details(b"  Bad Request  "), "Bad Request");
        let long = "x".repeat(1000);
        assert_eq!(error_details(long.as_bytes()).len(), MAX_SNIPPET_CHARS);
    }
}
