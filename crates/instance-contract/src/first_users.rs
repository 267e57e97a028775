//! The instance's first two accounts, named from Create Instance: the admin, who signs in with
//! `admin_email` as user name (or `admin` without one), and the partner's configurator.

use crate::username::{Username, UsernameError};

/// The admin's user name when Create Instance names no `admin_email`.
pub const ADMIN_WITHOUT_EMAIL: &str = "admin";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstUsers {
    pub admin: Username,
    pub configurator: Option<Username>,
}

/// Why an instance could not start with these accounts; each names the request field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FirstUsersError {
    /// `admin_email`: a valid address that cannot be a user name (a `'`, quotes, over 150 characters).
    #[error("the admin signs in with this address as user name, which may have at most 150 characters, all letters, digits or @/./+/-/_")]
    AdminEmailIsNoUsername,
    /// `configurator.user_name`.
    #[error("{0}")]
    ConfiguratorName(UsernameError),
    /// `configurator.user_name` equals the admin's, in some case.
    #[error("must differ from the admin's user name ({admin:?}, in any case)")]
    ConfiguratorIsTheAdmin { admin: String },
}

impl FirstUsers {
    pub fn name(
        admin_email: Option<&str>,
        configurator: Option<&str>,
    ) -> Result<Self, FirstUsersError> {
        let admin = Username::parse(admin_email.unwrap_or(ADMIN_WITHOUT_EMAIL))
            .map_err(|_| FirstUsersError::AdminEmailIsNoUsername)?;
        let configurator = configurator
            .map(|raw| Username::parse(raw).map_err(FirstUsersError::ConfiguratorName))
            .transpose()?;
        if configurator
            .as_ref()
            .is_some_and(|c| c.same_person_as(&admin))
        {
            return Err(FirstUsersError::ConfiguratorIsTheAdmin {
                admin: admin.as_str().to_owned(),
            });
        }
        Ok(Self {
            admin,
            configurator,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_is_named_by_their_address_or_admin() {
        let named = FirstUsers::name(Some("ana@example.com"), Some("service_account")).unwrap();
        assert_eq!(named.admin.as_str(), "ana@example.com");
        assert_eq!(named.configurator.unwrap().as_str(), "service_account");
        assert_eq!(
            FirstUsers::name(None, None).unwrap().admin.as_str(),
            "admin"
        );
    }

    #[test]
    fn an_address_that_cannot_be_a_user_name_is_refused() {
        for email in ["o'brien@example.com", "\"a b\"@example.com"] {
            assert_eq!(
                FirstUsers::name(Some(email), None),
                Err(FirstUsersError::AdminEmailIsNoUsername)
            );
        }
        let long = format!(
            "ana@{}.{}.{}.example.com",
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(20)
        );
        assert!(FirstUsers::name(Some(&long), None).is_err());
    }

    #[test]
    fn the_configurator_may_not_share_the_admins_name_in_any_case() {
        for (email, configurator) in [
            (None, "admin"),
            (None, "ADMIN"),
            (Some("ana@example.com"), "Ana@Example.com"),
        ] {
            assert!(matches!(
                FirstUsers::name(email, Some(configurator)),
                Err(FirstUsersError::ConfiguratorIsTheAdmin { .. })
            ));
        }
        assert!(FirstUsers::name(Some("ana@example.com"), Some("admin")).is_ok());
        assert_eq!(
            FirstUsers::name(None, Some("has space")),
            Err(FirstUsersError::ConfiguratorName(UsernameError::Character))
        );
    }
}
