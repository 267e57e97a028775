use super::AccountError;
use crate::api::views;
use crate::clock;
use crate::domain::{Email, FieldErrors, NewPassword, Role, User, UserId, Username};
use crate::password;
use crate::state::AppState;
use crate::store::InsertUserError;

/// A new user as typed: `None` is a field that was not sent at all.
#[derive(Debug, Default)]
pub struct NewUserInput<'a> {
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
    pub email: Option<&'a str>,
    /// `agent` when absent.
    pub role: Option<&'a str>,
}

pub async fn add_user(state: &AppState, input: NewUserInput<'_>) -> Result<User, AccountError> {
    let mut errors = FieldErrors::default();
    let username = errors.check(
        "username",
        required(input.username).and_then(|raw| Username::parse(raw).map_err(|e| e.to_string())),
    );
    let password = errors.check(
        "password",
        required(input.password).and_then(NewPassword::parse),
    );
    let email = errors.check("email", Email::parse_optional(input.email.unwrap_or("")));
    let role = errors.check("role", person_role(input.role.unwrap_or("agent")));
    let (Some(username), Some(password), Some(email), Some(role)) =
        (username, password, email, role)
    else {
        return Err(AccountError::Invalid(errors));
    };
    // Checked before the costly hash; the insert checks again, atomically.
    let limit = state.store.platform_settings().await?.max_number_of_seats;
    if !limit.admits_another(state.store.seats_in_use().await?) {
        return Err(AccountError::SeatLimitReached(limit));
    }
    let hash = password::hash(password).await?;
    let added = state
        .store
        .add_person(&username, email.as_ref(), role, &hash, clock::now())
        .await;
    added.map_err(|e| match e {
        InsertUserError::SeatLimitReached(limit) => AccountError::SeatLimitReached(limit),
        InsertUserError::UsernameTaken => {
            let mut errors = FieldErrors::default();
            errors.add("username", "A user with that username already exists.");
            AccountError::Invalid(errors)
        }
        InsertUserError::Other(e) => AccountError::Internal(e),
    })
}

pub async fn remove_user(state: &AppState, acting: &User, id: UserId) -> Result<(), AccountError> {
    let target = state.store.user(id).await?.ok_or(AccountError::NotFound)?;
    if target.id == acting.id {
        return Err(AccountError::CannotDeleteSelf);
    }
    if target.role == Role::Configurator {
        return Err(AccountError::CannotDeleteConfigurator);
    }
    let unassigned = state.store.delete_user(id, acting).await?;
    let unassigned = unassigned.ok_or(AccountError::NotFound)?;
    // The chats the user handled are nobody's now: every client hears of each.
    for event in &unassigned {
        state.push.getchat_webhook(views::chat_assignment(event));
    }
    tracing::info!(
        user = target.username.as_str(),
        by = acting.username.as_str(),
        "user removed"
    );
    Ok(())
}

pub async fn set_password(
    state: &AppState,
    user: &User,
    password: NewPassword,
) -> Result<(), AccountError> {
    let hash = password::hash(password).await?;
    state.store.set_password_hash(user.id, &hash).await?;
    Ok(())
}

fn required(value: Option<&str>) -> Result<&str, String> {
    value.ok_or_else(|| "This field is required.".to_owned())
}

/// Users can add admins and agents; only the bootstrap makes a configurator.
fn person_role(raw: &str) -> Result<Role, String> {
    match Role::parse(raw.trim()) {
        Some(role) if role.takes_seat() => Ok(role),
        _ => Err(format!("\"{raw}\" is not a valid choice.")),
    }
}
