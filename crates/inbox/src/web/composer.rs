//! The foot of a conversation: while WhatsApp's 24-hour window is open a text composer, the
//! team's saved responses and a file to attach; else the templates this simple form can send.

use super::layout::{csrf_field, notice, Tone};
use super::summary::{clip, text_at};
use crate::messaging::media_kind::MediaKind;
use crate::store::SavedResponse;
use serde_json::Value;

use maud::{html, Markup};

/// Templates the form offers, in the store's order (by name).
pub const OFFERED_TEMPLATES: u32 = 100;

/// What the person typed or chose, kept when the page comes back with an error.
#[derive(Default)]
pub struct Draft {
    pub body: String,
    pub template: String,
    pub error: Option<String>,
}

/// A template as the form offers it.
pub struct TemplateChoice {
    pub name: String,
    pub language: String,
    pub text: String,
    /// Why this form cannot send it, if it cannot.
    pub unsendable: Option<&'static str>,
}

impl TemplateChoice {
    /// `None` for an entry without a name or a language.
    pub fn of(waba: &Value) -> Option<Self> {
        let name = text_at(waba, "/name")?;
        let language = text_at(waba, "/language")?;
        let components = waba.get("components").cloned().unwrap_or(Value::Null);
        let body = components
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| text_at(c, "/type").is_some_and(|t| t.eq_ignore_ascii_case("body")));
        let status = text_at(waba, "/status").unwrap_or("approved");
        let media_header = components.as_array().into_iter().flatten().any(|c| {
            let format = text_at(c, "/format").unwrap_or("text");
            !format.eq_ignore_ascii_case("text")
        });
        // Variables may hide in the body, a header or a button's URL: look everywhere.
        let unsendable = if !status.eq_ignore_ascii_case("approved") {
            Some("not approved")
        } else if components.to_string().contains("{{") {
            Some("has variables")
        } else if media_header {
            Some("has a media header")
        } else {
            None
        };
        Some(Self {
            name: name.to_owned(),
            language: language.to_owned(),
            text: body
                .and_then(|b| text_at(b, "/text"))
                .unwrap_or_default()
                .to_owned(),
            unsendable,
        })
    }

    /// The value of its option: language codes have no `:`, so the first one splits it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.language, self.name)
    }
}

/// The text composer, and under it the saved responses and the attachment. Without a script
/// a saved response is sent as it is; the page's script puts it in the text box to be edited.
pub fn composer(
    action: &str,
    attach_action: &str,
    csrf_token: &str,
    draft: &Draft,
    saved_responses: &[SavedResponse],
) -> Markup {
    html! {
        form.composer #composer-form method="post" action=(action) {
            (csrf_field(csrf_token))
            input type="hidden" name="type" value="text";
            label.composer-field {
                span.visually-hidden { "Message" }
                textarea #composer-body name="body" rows="2" maxlength="4096" required placeholder="Type a message"
                    aria-invalid=[draft.error.as_ref().map(|_| "true")] { (draft.body) }
            }
            button type="submit" { "Send" }
        }
        @if let Some(error) = &draft.error { p.field-error role="alert" { (error) } }
        div.composer-extras {
            @if !saved_responses.is_empty() {
                form.saved-form method="post" action=(action) {
                    (csrf_field(csrf_token))
                    input type="hidden" name="type" value="saved";
                    label {
                        span.visually-hidden { "Saved response" }
                        select name="saved_response" required data-fills="composer-body" {
                            option value="" { "Saved responses…" }
                            @for saved in saved_responses {
                                option value=(saved.id) data-text=(saved.text) { (clip(&saved.text, 60)) }
                            }
                        }
                    }
                    button.quiet type="submit" { "Send it" }
                }
            }
            form.attach-form method="post" action=(attach_action) enctype="multipart/form-data" {
                (csrf_field(csrf_token))
                label.attach-file {
                    span.visually-hidden { "File to send" }
                    input type="file" name="file" required accept=(accepted_types());
                }
                label.attach-caption {
                    span.visually-hidden { "Caption" }
                    input type="text" name="caption" maxlength="1024" placeholder="Caption (optional)";
                }
                button.quiet type="submit" { "Send file" }
            }
        }
    }
}

/// The MIME types WhatsApp takes, for the file chooser (the upload checks them again).
fn accepted_types() -> String {
    MediaKind::ALL
        .iter()
        .flat_map(|kind| kind.mime_types())
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

pub fn template_form(
    action: &str,
    csrf_token: &str,
    templates: &[TemplateChoice],
    draft: &Draft,
) -> Markup {
    let explanation = "The customer last wrote more than 24 hours ago (or never): WhatsApp allows \
         only template messages until they write again.";
    let sendable = templates.iter().filter(|t| t.unsendable.is_none()).count();
    html! {
        div.window-closed {
            (notice(Tone::Info, explanation))
            @if sendable == 0 {
                p.hint {
                    "No template can be sent from here yet. This form sends approved templates \
                     without variables (such as {{1}}) and without a media header, and the number \
                     has none; templates are copied from 360Dialog. Send others through the API."
                }
            } @else {
                form.template-form method="post" action=(action) {
                    (csrf_field(csrf_token))
                    input type="hidden" name="type" value="template";
                    label {
                        "Template"
                        select name="template" required {
                            @for t in templates {
                                option value=(t.key()) disabled[t.unsendable.is_some()]
                                    selected[t.key() == draft.template] {
                                    (t.name) " (" (t.language) ")"
                                    @if let Some(why) = t.unsendable { " — " (why) }
                                    @else if !t.text.is_empty() { " — " (clip(&t.text, 60)) }
                                }
                            }
                        }
                    }
                    button type="submit" { "Send template" }
                }
                p.hint {
                    "Only templates without variables (such as {{1}}) and without a media header \
                     can be sent from this form; send the others through the API."
                }
            }
            @if let Some(error) = &draft.error { p.field-error role="alert" { (error) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(status: &str, components: Value) -> Option<&'static str> {
        let waba = json!({"name": "t", "language": "en_US", "status": status,
                          "components": components});
        TemplateChoice::of(&waba).unwrap().unsendable
    }

    #[test]
    fn only_approved_templates_without_variables_or_media_can_be_sent() {
        let plain = json!([{"type": "BODY", "text": "Hello, we are open again."}]);
        assert_eq!(template("APPROVED", plain.clone()), None);
        assert_eq!(template("PENDING", plain), Some("not approved"));
        let variable = json!([{"type": "BODY", "text": "Hello {{1}}"}]);
        assert_eq!(template("APPROVED", variable), Some("has variables"));
        let image = json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hi"}]);
        assert_eq!(template("APPROVED", image), Some("has a media header"));
        assert!(TemplateChoice::of(&json!({"name": "no_language"})).is_none());
    }
}
