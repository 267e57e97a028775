//! The `WhatsApp Inbox Activation` e-mail: plain text and HTML alternatives of one sentence and
//! its link, as in the documented example.

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use serde::Deserialize;

pub const SUBJECT: &str = "WhatsApp Inbox Activation";
const SENTENCE: &str = "Click here to activate your inbox and set your password:";

/// The payload queued with an `activation_email` event.
#[derive(Debug, Deserialize)]
pub struct Activation {
    pub activation_url: String,
    pub subdomain: String,
}

pub fn activation_message(
    from: &Mailbox,
    to: Mailbox,
    activation: &Activation,
) -> anyhow::Result<Message> {
    let url = &activation.activation_url;
    let subdomain = &activation.subdomain;
    let text = format!(
        "Hello,\r\n\r\nYour WhatsApp inbox {subdomain} is ready.\r\n\r\n{SENTENCE} {url}\r\n\r\n\
         If you did not expect this e-mail, you can ignore it.\r\n"
    );
    let html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>Hello,</p>\n<p>Your WhatsApp inbox {} is ready.</p>\n\
         <p>{SENTENCE} <a href=\"{}\">Activate</a></p>\n\
         <p>If you did not expect this e-mail, you can ignore it.</p>\n</body></html>\n",
        escape_html(subdomain),
        escape_html(url),
    );
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(SUBJECT)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

fn escape_html(raw: &str) -> String {
    raw.chars()
        .fold(String::with_capacity(raw.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_the_subject_both_parts_and_an_escaped_link() {
        let activation = Activation {
            activation_url: "http://acme.inbox.localhost:8080/confirm_account?c=1&x=\"".into(),
            subdomain: "acme".into(),
        };
        let from: Mailbox = "Inbox <no-reply@inbox.localhost>".parse().unwrap();
        let to: Mailbox = "admin@example.com".parse().unwrap();
        let raw = String::from_utf8(
            activation_message(&from, to, &activation)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("Subject: WhatsApp Inbox Activation"), "{raw}");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert_eq!(escape_html("a&b<\"c\">"), "a&amp;b&lt;&quot;c&quot;&gt;");
    }
}
