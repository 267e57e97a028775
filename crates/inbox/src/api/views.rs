//! The objects of get.chat's Integration API, as JSON: User, Person, Message, Chat, Template.

use crate::clock;
use crate::domain::{Role, Tag, User};
use crate::provision::Identity;
use crate::store::{
    AssignedUser, Assignment, AssignmentEvent, ChatRecord, Group, MessageRecord, Tagging,
    TaggingEvent,
};
use serde_json::{json, Value};

/// get.chat's User, with this instance's own fields (`role`, `is_active`, `date_joined`) kept
/// beside it for clients written against them.
pub fn user(user: &User) -> Value {
    let profile_role = match user.role {
        Role::Admin => "admin",
        Role::Agent => "user",
        Role::Configurator => "configurator",
    };
    json!({
        "id": user.id.0,
        "username": user.username.as_str(),
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "profile": {"role": profile_role, "is_available": user.is_available},
        "groups": [],
        "permissions": {},
        "role": user.role,
        "is_active": true,
        "date_joined": clock::rfc3339(user.date_joined),
    })
}

pub fn person(wa_id: &str, name: &str, last_message_timestamp: i64) -> Value {
    json!({
        "wa_id": wa_id,
        "waba_payload": {"profile": {"name": name}, "wa_id": wa_id},
        "initials": initials(name),
        "last_message_timestamp": (last_message_timestamp > 0).then_some(last_message_timestamp),
    })
}

pub fn message(message: &MessageRecord, identity: &Identity) -> Value {
    let mut payload = message.waba_payload.clone();
    if message.from_us {
        // The shape of an outgoing Cloud API message as get.chat shows it.
        payload["timestamp"] = json!(message.timestamp.to_string());
        if let Some(wamid) = &message.wamid {
            payload["id"] = json!(wamid);
        }
        if let Some(number) = &identity.phone_number {
            payload["from"] = json!(number.trim_start_matches('+'));
        }
    }
    json!({
        "id": message.id,
        "waba_payload": payload,
        "waba_statuses": {
            "sent": message.sent_at,
            "delivered": message.delivered_at,
            "read": message.read_at,
            "failed": message.failed_at,
        },
        "contact": person(&message.wa_id, &message.contact_name, message.contact_last_message_at),
        "from_us": message.from_us,
        "received": message.received,
        "sender": message.sender.as_ref().map(user),
        "customer_wa_id": message.wa_id,
        "timestamp": message.timestamp,
        "is_failed": message.failed_at.is_some(),
        "errors": message.errors,
        "tags": [],
        "chat_tags": [],
    })
}

pub fn chat(chat: &ChatRecord, identity: &Identity) -> Value {
    json!({
        "wa_id": chat.wa_id,
        "contact": person(&chat.wa_id, &chat.name, chat.last_message_at),
        "new_messages": chat.new_messages,
        "is_resolved": chat.resolved_at.is_some(),
        "resolved_at": chat.resolved_at,
        "last_message": chat.last_message.as_ref().map(|m| message(m, identity)),
        "assigned_to_user": chat.assigned_user.as_ref().map(user),
        "assigned_group": chat.assigned_group.as_ref().map(group),
        "tags": chat.tags.iter().map(chat_tag).collect::<Vec<_>>(),
    })
}

/// get.chat's Tag.
pub fn tag(tag: &Tag) -> Value {
    json!({"id": tag.id.0, "name": tag.name.as_str(), "web_inbox_color": tag.color.as_str()})
}

/// A tag as a chat carries it: with the id of its tagging, which untagging deletes.
pub fn chat_tag(tagging: &Tagging) -> Value {
    let mut value = tag(&tagging.tag);
    value["tagging_id"] = json!(tagging.id);
    value
}

/// A line of a chat's tagging history, as `chat_tagging_events/` lists it and the push channel
/// sends it (`chat_tagging`). A fresh event's tag carries its `tagging_id`, so a client that
/// adds it to the chat can take it off again.
pub fn tagging_event(event: &TaggingEvent) -> Value {
    let mut tag = tag(&event.tag);
    if let Some(id) = event.tagging_id {
        tag["tagging_id"] = json!(id);
    }
    json!({
        "id": event.id,
        "tag": tag,
        "chat": event.wa_id,
        "action": event.action.as_str(),
        "done_by": event.done_by.as_ref().map(user),
        "timestamp": event.timestamp,
    })
}

/// get.chat's Group as a chat carries it.
pub fn group(group: &Group) -> Value {
    json!({"id": group.id.0, "name": group.name})
}

/// get.chat's ChatAssignment: ids, not objects.
pub fn assignment(wa_id: &str, assignment: &Assignment) -> Value {
    json!({
        "wa_id": wa_id,
        "assigned_to_user": assignment.user.map(|u| u.0),
        "assigned_group": assignment.group.map(|g| g.0),
    })
}

/// A line of a chat's assignment history as get.chat's clients read it: what was set
/// (`assigned_to_user_set`, `assigned_group_set`) and what was cleared, by whom (`done_by`, `null`
/// for the instance's own round-robin). Beside it, this instance's own fields name the assignment
/// before and after by id, and whether it was automatic.
pub fn assignment_event(event: &AssignmentEvent) -> Value {
    let set_user = event.to_user.as_ref().filter(|_| event.user_changed());
    let set_group = event.to_group.as_ref().filter(|_| event.group_changed());
    json!({
        "id": event.id,
        "wa_id": event.wa_id,
        "done_by": event.done_by.as_ref().map(user),
        "assigned_to_user_set": set_user.map(assigned_user),
        "assigned_group_set": set_group.map(group),
        "assigned_to_user_was_cleared": event.user_changed() && event.to_user.is_none(),
        "assigned_group_was_cleared": event.group_changed() && event.to_group.is_none(),
        "assigned_to_user": event.to_user.as_ref().map(|u| u.id.0),
        "assigned_group": event.to_group.as_ref().map(|g| g.id.0),
        "previous_assigned_to_user": event.from_user.as_ref().map(|u| u.id.0),
        "previous_assigned_group": event.from_group.as_ref().map(|g| g.id.0),
        "automatic": event.automatic,
        "timestamp": event.timestamp,
    })
}

/// The push payload of an assignment change.
pub fn chat_assignment(event: &AssignmentEvent) -> Value {
    json!({ "chat_assignment": assignment_event(event) })
}

/// A user an event names: as they are now, or by the name they had if deleted since.
fn assigned_user(assigned: &AssignedUser) -> Value {
    match &assigned.current {
        Some(current) => user(current),
        None => json!({
            "id": assigned.id.0,
            "username": assigned.username,
            "first_name": "",
            "last_name": "",
        }),
    }
}

/// The push payload of a chat resolved or opened again; `done_by` is `None` when the customer's
/// message opened it.
pub fn chat_resolved(
    wa_id: &str,
    resolved_at: Option<i64>,
    done_by: Option<&User>,
    timestamp: i64,
) -> Value {
    json!({"chat_resolved": {
        "wa_id": wa_id,
        "resolved": resolved_at.is_some(),
        "resolved_at": resolved_at,
        "done_by": done_by.map(user),
        "timestamp": timestamp,
    }})
}

/// A user with the groups they belong to (get.chat's web app reads `groups` to tell whether a
/// user is in a chat's group); [`user`] alone says none.
pub fn user_in_groups(person: &User, groups: &[Group]) -> Value {
    let mut value = user(person);
    value["groups"] = groups.iter().map(group).collect();
    value
}

/// A group of agents as `groups/` answers it: get.chat's Group (`id`, `name`) with its members,
/// each with all of their groups.
pub fn group_with_members(
    group: &Group,
    members: &[User],
    groups_of: &std::collections::HashMap<crate::domain::UserId, Vec<Group>>,
) -> Value {
    let users: Vec<Value> = members
        .iter()
        .map(|m| user_in_groups(m, groups_of.get(&m.id).map_or(&[], Vec::as_slice)))
        .collect();
    json!({"id": group.id.0, "name": group.name, "users": users})
}

/// The admin's team settings as `settings/team/` answers them.
pub fn team_settings(settings: &crate::store::TeamSettings) -> Value {
    json!({
        "agent_chat_visibility": settings.agent_chat_visibility.as_str(),
        "auto_assign_group": settings.auto_assign_group.map(|g| g.0),
    })
}

/// get.chat's Template from 360Dialog's `waba_templates` entry.
pub fn template(waba: &Value) -> Value {
    let field = |key: &str| waba.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "name": field("name"),
        "namespace": field("namespace"),
        "language": field("language"),
        "category": field("category"),
        "components": waba.get("components").cloned().unwrap_or_else(|| json!([])),
        "status": field("status"),
        "rejected_reason": field("rejected_reason"),
    })
}

/// Up to two letters, from the first and last word of a name.
fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let first = |w: &&str| w.chars().next();
    match (words.first().and_then(first), words.last().and_then(first)) {
        (Some(a), Some(b)) if words.len() > 1 => format!("{a}{b}").to_uppercase(),
        (Some(a), _) => a.to_uppercase().to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_and_last_word() {
        assert_eq!(initials("ana maria lopez"), "AL");
        assert_eq!(initials("Émile"), "É");
        assert_eq!(initials("  "), "");
    }
}
