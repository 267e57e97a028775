use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Agent,
    /// The partner's service account: API only, never messaging, never the web pages.
    Configurator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
            Self::Configurator => "configurator",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            "configurator" => Some(Self::Configurator),
            _ => None,
        }
    }

    /// Admins and agents are people and take a seat; the configurator does not.
    pub fn takes_seat(self) -> bool {
        self != Self::Configurator
    }

    pub fn manages_users(self) -> bool {
        matches!(self, Self::Admin | Self::Configurator)
    }
}
