//! The instance's rules, free of HTTP and SQL.

mod business_profile;
mod email;
mod field_errors;
mod new_password;
pub mod outgoing;
mod role;
mod seats;
mod tag;
mod tag_color;
mod user;
mod wa_id;
pub mod whatsapp;

pub use business_profile::{ProfileChange, PROFILE_FIELDS};
pub use email::Email;
pub use field_errors::FieldErrors;
pub use instance_contract::Username;
pub use new_password::{NewPassword, MIN_PASSWORD_CHARS};
pub use role::Role;
pub use seats::{SeatLimit, MAX_SEATS};
pub use tag::{Tag, TagId, TagName, MAX_TAG_NAME_CHARS};
pub use tag_color::TagColor;
pub use user::{User, UserId};
pub use wa_id::WaId;
