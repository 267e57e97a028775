//! The kinds of asynchronous event an instance's transitions send.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `{"token": …}` to the configurator's webhook.
    Token,
    /// `{"errors": […]}` to the configurator's webhook.
    Errors,
    /// The `WhatsApp Inbox Activation` e-mail to the admin.
    ActivationEmail,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Errors => "errors",
            Self::ActivationEmail => "activation_email",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Token, Self::Errors, Self::ActivationEmail]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}
