//! Groups of agents and the admin's team settings: through the API (`groups/`,
//! `settings/team/`) and through the admin panel's forms.

use crate::support::browser::{
    click, screenshot, type_into, wait_for, wait_for_path, wait_for_text, with_browser,
};
use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{inbound_secret, time_now};
use crate::support::socket::{listen, next_getchat};
use crate::support::web::{activate, get_text, location};
use crate::support::{browser_client, token_for, Api, Instance, Spec, PASSWORD};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};

const CUSTOMER: &str = "4915112345678";
const SETTINGS: &str = "/api/v1/settings/team/";

async fn patch(api: &Api<'_>, path: &str, body: Value) -> (u16, Value) {
    api.call(Method::PATCH, path, Some(body)).await
}

async fn user(instance: &Instance, name: &str, role: &str) -> i64 {
    instance.add_user(name, role).await["id"]
        .as_i64()
        .expect("an id")
}

/// Creates a group as the configurator; answers its id.
async fn new_group(instance: &Instance, name: &str, members: &[i64]) -> i64 {
    let body = json!({"name": name, "users": members});
    let (status, group) = instance.configurator().post("/api/v1/groups/", body).await;
    assert_eq!(status, 201, "{group}");
    group["id"].as_i64().expect("an id")
}

fn member_names(group: &Value) -> Vec<&str> {
    group["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["username"].as_str().expect("a username"))
        .collect()
}

/// A customer writes, which makes the chat.
async fn customer_writes(instance: &Instance) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": "Carla"}, "wa_id": CUSTOMER}],
            "messages": [{"from": CUSTOMER, "id": "wamid.G1", "timestamp": time_now().to_string(),
                          "type": "text", "text": {"body": "Hello"}}]}}]}]});
    let status = reqwest::Client::new()
        .post(instance.url(INBOUND_WEBHOOK_PATH))
        .header(INBOUND_SECRET_HEADER, inbound_secret(&instance.spec))
        .json(&body)
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status, 200);
}

// --- the API ---

#[tokio::test]
async fn admins_create_rename_fill_and_delete_groups_and_everyone_reads_them_with_members() {
    let instance = Instance::start(Spec::default()).await;
    let boss_id = user(&instance, "boss", "admin").await;
    let ana_id = user(&instance, "ana", "agent").await;
    let bo_id = user(&instance, "bo", "agent").await;
    let (boss, ana) = (
        instance.signed_in("boss").await,
        instance.signed_in("ana").await,
    );

    let (status, sales) = boss
        .post(
            "/api/v1/groups/",
            json!({"name": " Sales ", "users": [ana_id]}),
        )
        .await;
    assert_eq!(status, 201, "{sales}");
    assert_eq!(sales["name"], "Sales");
    assert_eq!(member_names(&sales), ["ana"]);
    assert_eq!(sales["users"][0]["profile"]["role"], "user");
    let path = format!("/api/v1/groups/{}/", sales["id"]);
    let (status, renamed) = patch(
        &boss,
        &path,
        json!({"name": "Sales DE", "users": [bo_id, boss_id]}),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Sales DE");
    assert_eq!(
        member_names(&renamed),
        ["boss", "bo"],
        "the members replaced"
    );
    let (status, kept) = boss.put(&path, json!({"name": "Sales"})).await;
    assert_eq!(status, 200);
    assert_eq!(member_names(&kept), ["boss", "bo"], "users left out stay");
    let support = new_group(&instance, "Support", &[bo_id]).await;
    let (_, bo) = instance
        .signed_in("bo")
        .await
        .get("/api/v1/users/current/")
        .await;
    assert_eq!(
        bo["groups"],
        json!([{"id": sales["id"], "name": "Sales"}, {"id": support, "name": "Support"}]),
        "get.chat's User carries the user's groups, by name"
    );
    let (_, users) = ana.get("/api/v1/users/").await;
    let listed = |name: &str| {
        users["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|u| u["username"] == name)
            .expect("listed")["groups"]
            .clone()
    };
    assert_eq!(listed("ana"), json!([]), "she left Sales");
    assert_eq!(
        listed("boss"),
        json!([{"id": sales["id"], "name": "Sales"}])
    );
    let (_, one) = ana.get(&format!("/api/v1/users/{boss_id}/")).await;
    assert_eq!(one["groups"][0]["name"], "Sales");

    let (status, list) = ana.get("/api/v1/groups/?limit=1").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["count"], 2);
    assert_eq!(list["previous"], Value::Null);
    assert!(
        list["next"]
            .as_str()
            .is_some_and(|n| n.ends_with("/api/v1/groups/?limit=1&offset=1")),
        "{list}"
    );
    assert_eq!(list["results"][0]["name"], "Sales");
    assert_eq!(member_names(&list["results"][0]), ["boss", "bo"]);
    assert_eq!(
        list["results"][0]["users"][1]["groups"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "bo's groups: {list}"
    );
    let (_, second) = ana.get("/api/v1/groups/?limit=1&offset=1").await;
    assert_eq!(second["results"][0]["name"], "Support");
    assert_eq!(member_names(&second["results"][0]), ["bo"]);
    assert_eq!(ana.get(&path).await.1["name"], "Sales");

    assert_eq!(boss.delete(&path).await.0, 204);
    assert_eq!(ana.get(&path).await.0, 404);
    assert_eq!(patch(&boss, &path, json!({"name": "Back"})).await.0, 404);
    assert_eq!(boss.delete(&path).await.0, 404);
    assert_eq!(boss.get("/api/v1/groups/not-a-number/").await.0, 404);
    assert_eq!(ana.get("/api/v1/groups/").await.1["count"], 1);
}

#[tokio::test]
async fn members_are_added_and_removed_one_at_a_time() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    let group = new_group(&instance, "Support", &[]).await;
    let configurator = instance.configurator();
    let member = format!("/api/v1/groups/{group}/users/{ana_id}/");

    let (status, with_ana) = configurator.put(&member, json!({})).await;
    assert_eq!(status, 200, "{with_ana}");
    assert_eq!(member_names(&with_ana), ["ana"]);
    let (status, again) = configurator.put(&member, json!({})).await;
    assert_eq!((status, member_names(&again)), (200, vec!["ana"]));
    assert_eq!(configurator.delete(&member).await.0, 204);
    assert_eq!(
        configurator.delete(&member).await.0,
        404,
        "no longer a member"
    );
    let (_, group_now) = configurator.get(&format!("/api/v1/groups/{group}/")).await;
    assert_eq!(group_now["users"], json!([]));
    let unknown_user = format!("/api/v1/groups/{group}/users/9999/");
    assert_eq!(configurator.put(&unknown_user, json!({})).await.0, 404);
    let unknown_group = format!("/api/v1/groups/9999/users/{ana_id}/");
    assert_eq!(configurator.put(&unknown_group, json!({})).await.0, 404);
}

#[tokio::test]
async fn agents_read_groups_but_may_not_change_them_or_the_team_settings() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    let ana = instance.signed_in("ana").await;
    let group = new_group(&instance, "Sales", &[]).await;
    let path = format!("/api/v1/groups/{group}/");

    let refusals = [
        ana.post("/api/v1/groups/", json!({"name": "Mine"})).await,
        patch(&ana, &path, json!({"name": "Mine"})).await,
        patch(&ana, &path, json!({"users": [ana_id]})).await,
        ana.put(&format!("{path}users/{ana_id}/"), json!({})).await,
        ana.delete(&path).await,
    ];
    for (status, body) in refusals {
        assert_eq!(status, 403);
        assert_eq!(
            body["detail"],
            "Only admins can create, change or delete groups."
        );
    }
    for (status, body) in [
        ana.get(SETTINGS).await,
        patch(&ana, SETTINGS, json!({"agent_chat_visibility": "all"})).await,
    ] {
        assert_eq!(status, 403);
        assert_eq!(
            body["detail"],
            "Only admins can see or change the team settings."
        );
    }
    let (_, sales) = ana.get(&path).await;
    assert_eq!(
        (&sales["name"], &sales["users"]),
        (&json!("Sales"), &json!([]))
    );
    assert_eq!(instance.anonymous().get("/api/v1/groups/").await.0, 401);
}

#[tokio::test]
async fn a_taken_name_an_unknown_user_or_the_configurator_as_member_is_refused_by_field() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    let (_, me) = instance.configurator().get("/api/v1/users/current/").await;
    let configurator_id = me["id"].as_i64().expect("an id");
    new_group(&instance, "Ärger", &[]).await;
    let support = new_group(&instance, "Support", &[ana_id]).await;
    let configurator = instance.configurator();

    let refused = [
        (
            json!({"name": "äRGER"}),
            "name",
            "A group with this name already exists.".to_owned(),
        ),
        (
            json!({"name": "  "}),
            "name",
            "This field may not be blank.".to_owned(),
        ),
        (json!({}), "name", "This field is required.".to_owned()),
        (
            json!({"name": "x".repeat(151)}),
            "name",
            "Ensure this field has no more than 150 characters.".to_owned(),
        ),
        (
            json!({"name": "New", "users": [ana_id, 9999]}),
            "users",
            "Invalid pk \"9999\" - object does not exist.".to_owned(),
        ),
        (
            json!({"name": "New", "users": [configurator_id]}),
            "users",
            "The configurator cannot be a member of a group.".to_owned(),
        ),
        (
            json!({"name": "New", "users": ["x"]}),
            "users",
            "Incorrect type. Expected pk value, received \"x\".".to_owned(),
        ),
        (
            json!({"name": "New", "users": 5}),
            "users",
            "Expected a list of items but got type \"int\".".to_owned(),
        ),
    ];
    for (body, field, message) in refused {
        let (status, answer) = configurator.post("/api/v1/groups/", body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer, json!({field: [message]}), "{body}");
    }
    let path = format!("/api/v1/groups/{support}/");
    let (status, answer) = patch(&configurator, &path, json!({"name": "ärger", "users": []})).await;
    assert_eq!(
        (status, &answer["name"][0]),
        (400, &json!("A group with this name already exists."))
    );
    let (status, answer) = patch(&configurator, &path, json!({"users": [9999]})).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["users"][0],
        "Invalid pk \"9999\" - object does not exist."
    );
    let (status, _) = configurator
        .call(Method::POST, "/api/v1/groups/", None)
        .await;
    assert_eq!(status, 400, "no body");

    let (_, list) = configurator.get("/api/v1/groups/").await;
    assert_eq!(list["count"], 2, "nothing was added: {list}");
    let (_, support) = configurator.get(&path).await;
    assert_eq!(
        (&support["name"], member_names(&support)),
        (&json!("Support"), vec!["ana"]),
        "a refused change changes nothing"
    );
}

#[tokio::test]
async fn the_team_settings_are_read_and_changed_by_field_and_a_bad_field_changes_nothing() {
    let instance = Instance::start(Spec::default()).await;
    user(&instance, "boss", "admin").await;
    let boss = instance.signed_in("boss").await;
    let sales = new_group(&instance, "Sales", &[]).await;

    let (status, settings) = boss.get(SETTINGS).await;
    assert_eq!(status, 200);
    assert_eq!(
        settings,
        json!({"agent_chat_visibility": "all", "auto_assign_group": null})
    );
    let (status, settings) = patch(
        &boss,
        SETTINGS,
        json!({"agent_chat_visibility": "groups", "auto_assign_group": sales}),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(
        settings,
        json!({"agent_chat_visibility": "groups", "auto_assign_group": sales})
    );
    let (_, settings) = patch(&boss, SETTINGS, json!({"agent_chat_visibility": "own"})).await;
    assert_eq!(settings["auto_assign_group"], sales, "left out, kept");

    let refused = [
        (
            json!({"agent_chat_visibility": "everyone", "auto_assign_group": null}),
            "agent_chat_visibility",
        ),
        (
            json!({"agent_chat_visibility": "all", "auto_assign_group": 9999}),
            "auto_assign_group",
        ),
        (json!({"auto_assign_group": [1]}), "auto_assign_group"),
    ];
    for (body, field) in refused {
        let (status, answer) = patch(&boss, SETTINGS, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer[field][0].is_string(), "{body}: {answer}");
    }
    let (_, settings) = instance.configurator().get(SETTINGS).await;
    assert_eq!(
        settings,
        json!({"agent_chat_visibility": "own", "auto_assign_group": sales}),
        "nothing of a refused change was kept"
    );

    assert_eq!(
        boss.delete(&format!("/api/v1/groups/{sales}/")).await.0,
        204
    );
    let (_, settings) = boss.get(SETTINGS).await;
    assert_eq!(
        settings["auto_assign_group"],
        Value::Null,
        "deleting the group turns round-robin off"
    );
    let (status, settings) = patch(&boss, SETTINGS, json!({"auto_assign_group": ""})).await;
    assert_eq!(
        (status, &settings["auto_assign_group"]),
        (200, &Value::Null)
    );
}

#[tokio::test]
async fn under_the_own_rule_an_agent_gets_404_for_a_chat_nobody_assigned_to_them() {
    let instance = Instance::start(Spec::default()).await;
    user(&instance, "ana", "agent").await;
    user(&instance, "boss", "admin").await;
    let (ana, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("boss").await,
    );
    customer_writes(&instance).await;
    let chat = format!("/api/v1/chats/{CUSTOMER}/");
    assert_eq!(
        ana.get(&chat).await.0,
        200,
        "everyone sees every chat at first"
    );

    let (status, _) = patch(&boss, SETTINGS, json!({"agent_chat_visibility": "own"})).await;
    assert_eq!(status, 200);

    let (status, body) = ana.get(&chat).await;
    assert_eq!(
        (status, body),
        ana.get("/api/v1/chats/4915199999999/").await
    );
    assert_eq!(status, 404);
    assert_eq!(ana.get("/api/v1/chats/").await.1["count"], 0);
    assert_eq!(boss.get(&chat).await.0, 200, "admins see every chat");
    assert_eq!(boss.get("/api/v1/chats/").await.1["count"], 1);

    patch(&boss, SETTINGS, json!({"agent_chat_visibility": "all"})).await;
    assert_eq!(ana.get(&chat).await.0, 200);
}

/// The admin (or anyone) assigns the chat through the assignment API.
async fn assign(api: &Api<'_>, body: Value) -> (u16, Value) {
    let (status, answer) = api
        .put(&format!("/api/v1/chat_assignment/{CUSTOMER}/"), body)
        .await;
    assert_eq!(status, 200, "{answer}");
    (status, answer)
}

/// Whether the agent sees the chat: opened alone, and in their list of chats.
async fn sees_chat(agent: &Api<'_>) -> bool {
    let (status, _) = agent.get(&format!("/api/v1/chats/{CUSTOMER}/")).await;
    let (_, list) = agent.get("/api/v1/chats/").await;
    let listed = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|c| c["wa_id"] == CUSTOMER);
    assert_eq!(
        status == 200,
        listed,
        "opened and listed alike: {status}, {list}"
    );
    assert!(status == 200 || status == 404, "{status}");
    listed
}

#[tokio::test]
async fn under_the_own_rule_an_agent_sees_a_chat_once_it_is_assigned_to_them() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let (ana, bo, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
        instance.signed_in("boss").await,
    );
    customer_writes(&instance).await;
    patch(&boss, SETTINGS, json!({"agent_chat_visibility": "own"})).await;
    assert!(!sees_chat(&ana).await);

    assign(&boss, json!({"assigned_to_user": ana_id})).await;

    assert!(sees_chat(&ana).await, "assigned to her");
    assert!(!sees_chat(&bo).await, "not to him");
    assign(&boss, json!({"assigned_to_user": null})).await;
    assert!(!sees_chat(&ana).await, "no longer hers");
}

#[tokio::test]
async fn under_the_groups_rule_the_members_of_the_chats_group_see_it_and_no_one_else() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    let bo_id = user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let (ana, bo, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
        instance.signed_in("boss").await,
    );
    let sales = new_group(&instance, "Sales", &[ana_id]).await;
    new_group(&instance, "Support", &[bo_id]).await;
    customer_writes(&instance).await;
    patch(&boss, SETTINGS, json!({"agent_chat_visibility": "groups"})).await;
    assert!(!sees_chat(&ana).await, "a chat of no group");

    assign(&boss, json!({"assigned_group": sales})).await;

    assert!(sees_chat(&ana).await, "she is in Sales");
    assert!(!sees_chat(&bo).await, "he is in Support");
    let group = format!("/api/v1/groups/{sales}/");
    patch(&boss, &group, json!({"users": [bo_id]})).await;
    assert!(sees_chat(&bo).await, "he joined Sales");
    assert!(!sees_chat(&ana).await, "she left it");
    patch(&boss, SETTINGS, json!({"agent_chat_visibility": "all"})).await;
    assert!(sees_chat(&ana).await, "every chat again");
}

#[tokio::test]
async fn deleting_a_group_takes_it_off_its_chats_which_keep_their_agent_and_every_client_hears_it()
{
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana", "agent").await;
    user(&instance, "boss", "admin").await;
    let boss = instance.signed_in("boss").await;
    let sales = new_group(&instance, "Sales", &[ana_id]).await;
    customer_writes(&instance).await;
    assign(
        &boss,
        json!({"assigned_to_user": ana_id, "assigned_group": sales}),
    )
    .await;
    let token = token_for(&instance, "ana", PASSWORD).await;
    let token: Value = token.json().await.expect("json");
    let mut socket = listen(&instance, token["token"].as_str().expect("a token")).await;

    assert_eq!(
        boss.delete(&format!("/api/v1/groups/{sales}/")).await.0,
        204
    );

    let heard = next_getchat(&mut socket, "chat_assignment").await;
    assert_eq!(heard["wa_id"], CUSTOMER);
    assert_eq!(heard["assigned_group_was_cleared"], true);
    assert_eq!(heard["assigned_to_user_was_cleared"], false);
    assert_eq!(heard["done_by"]["username"], "boss");
    let (_, chat) = boss.get(&format!("/api/v1/chats/{CUSTOMER}/")).await;
    assert_eq!(chat["assigned_group"], Value::Null);
    assert_eq!(chat["assigned_to_user"]["id"], ana_id, "she keeps it");
    let (_, history) = boss
        .get(&format!("/api/v1/chat_assignment_events/?wa_id={CUSTOMER}"))
        .await;
    assert_eq!(
        history["results"][0]["assigned_group_was_cleared"], true,
        "{history}"
    );
    assert_eq!(history["results"][0]["previous_assigned_group"], sales);
}

// --- the admin panel ---

/// Sends a form of an admin page with the page's CSRF token.
async fn send(
    admin: &Client,
    instance: &Instance,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Response {
    let page = get_text(admin, instance, page).await;
    let token = csrf_token(&page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    admin
        .post(instance.url(action))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn groups(instance: &Instance) -> Vec<Value> {
    let (_, page) = instance.configurator().get("/api/v1/groups/").await;
    page["results"].as_array().expect("results").clone()
}

#[tokio::test]
async fn the_admin_adds_fills_renames_and_deletes_a_group_in_the_panel() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let ana_id = user(&instance, "ana", "agent").await.to_string();
    let panel = get_text(&admin, &instance, "/admin/").await;
    assert!(
        shows(&panel, r#"href="/admin/groups""#),
        "the menu links to groups"
    );
    assert!(
        shows(&panel, r#"href="/admin/settings""#),
        "and to the team settings"
    );

    let added = send(
        &admin,
        &instance,
        "/admin/groups",
        "/admin/groups",
        &[("name", "Support")],
    )
    .await;
    assert_eq!(location(&added), "/admin/groups?done=group-added");
    let page = get_text(&admin, &instance, "/admin/groups?done=group-added").await;
    assert!(shows(&page, "The group was added."));
    assert!(shows(&page, r#"value="Support""#), "{page}");
    assert!(
        shows(&page, &format!(r#"<option value="{ana_id}">ana</option>"#)),
        "ana may be added: {page}"
    );
    assert!(
        !shows(&page, ">configurator<"),
        "the configurator is never offered"
    );
    let id = groups(&instance).await[0]["id"].to_string();
    let path = format!("/admin/groups/{id}");

    let member = send(
        &admin,
        &instance,
        "/admin/groups",
        &format!("{path}/members"),
        &[("user_id", &ana_id)],
    )
    .await;
    assert_eq!(location(&member), "/admin/groups?done=member-added");
    assert_eq!(member_names(&groups(&instance).await[0]), ["ana"]);
    let page = get_text(&admin, &instance, "/admin/groups").await;
    assert!(
        shows(
            &page,
            &format!(r#"action="{path}/members/{ana_id}/remove""#)
        ),
        "{page}"
    );

    let renamed = send(
        &admin,
        &instance,
        "/admin/groups",
        &path,
        &[("name", "Support DE")],
    )
    .await;
    assert_eq!(location(&renamed), "/admin/groups?done=group-saved");
    assert_eq!(groups(&instance).await[0]["name"], "Support DE");

    let removed = send(
        &admin,
        &instance,
        "/admin/groups",
        &format!("{path}/members/{ana_id}/remove"),
        &[],
    )
    .await;
    assert_eq!(location(&removed), "/admin/groups?done=member-removed");
    assert_eq!(groups(&instance).await[0]["users"], json!([]));

    let deleted = send(
        &admin,
        &instance,
        "/admin/groups",
        &format!("{path}/delete"),
        &[],
    )
    .await;
    assert_eq!(location(&deleted), "/admin/groups?done=group-deleted");
    assert!(groups(&instance).await.is_empty());
    let page = get_text(&admin, &instance, "/admin/groups").await;
    assert!(shows(&page, "No groups yet."), "{page}");
}

#[tokio::test]
async fn a_taken_or_blank_group_name_is_refused_in_the_panel_and_a_name_is_text() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let script = "<script>alert(1)</script>";
    let added = send(
        &admin,
        &instance,
        "/admin/groups",
        "/admin/groups",
        &[("name", script)],
    )
    .await;
    assert_eq!(added.status(), 303);

    let taken = send(
        &admin,
        &instance,
        "/admin/groups",
        "/admin/groups",
        &[("name", "<SCRIPT>alert(1)</SCRIPT>")],
    )
    .await;
    let page = expect_page(
        taken,
        400,
        "The group was not added: A group with this name already exists.",
    )
    .await;
    assert!(!page.contains(script), "a name is shown as text: {page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("value=\"&lt;SCRIPT&gt;"),
        "the form keeps what was typed: {page}"
    );
    let id = groups(&instance).await[0]["id"].to_string();
    let blank = send(
        &admin,
        &instance,
        "/admin/groups",
        &format!("/admin/groups/{id}"),
        &[("name", " ")],
    )
    .await;
    expect_page(
        blank,
        400,
        "The group was not renamed: This field may not be blank.",
    )
    .await;
    let nobody = send(
        &admin,
        &instance,
        "/admin/groups",
        &format!("/admin/groups/{id}/members"),
        &[("user_id", "9999")],
    )
    .await;
    expect_page(
        nobody,
        400,
        "The member was not added: There is no such user.",
    )
    .await;

    let all = groups(&instance).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (&all[0]["name"], &all[0]["users"]),
        (&json!(script), &json!([]))
    );
}

#[tokio::test]
async fn the_admin_sets_who_sees_which_chats_and_round_robin_in_the_panel() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let sales = new_group(&instance, "Sales", &[]).await.to_string();
    let page = get_text(&admin, &instance, "/admin/settings").await;
    assert!(
        shows(&page, r#"value="all" checked"#),
        "every chat, at first: {page}"
    );
    assert!(
        shows(&page, r#"<option value="" selected>Off</option>"#),
        "{page}"
    );

    let saved = send(
        &admin,
        &instance,
        "/admin/settings",
        "/admin/settings",
        &[
            ("agent_chat_visibility", "groups"),
            ("auto_assign_group", &sales),
        ],
    )
    .await;
    assert_eq!(location(&saved), "/admin/settings?done=saved");
    let (_, settings) = instance.configurator().get(SETTINGS).await;
    assert_eq!(
        settings,
        json!({"agent_chat_visibility": "groups", "auto_assign_group": sales.parse::<i64>().unwrap()})
    );
    let page = get_text(&admin, &instance, "/admin/settings?done=saved").await;
    assert!(shows(&page, "The team settings are saved."));
    assert!(shows(&page, r#"value="groups" checked"#), "{page}");
    assert!(
        shows(
            &page,
            &format!(r#"<option value="{sales}" selected>Sales</option>"#)
        ),
        "{page}"
    );

    let bad = send(
        &admin,
        &instance,
        "/admin/settings",
        "/admin/settings",
        &[
            ("agent_chat_visibility", "nobody"),
            ("auto_assign_group", ""),
        ],
    )
    .await;
    expect_page(
        bad,
        400,
        "The team settings were not saved: Choose which chats agents see.",
    )
    .await;
    let gone = send(
        &admin,
        &instance,
        "/admin/settings",
        "/admin/settings",
        &[
            ("agent_chat_visibility", "own"),
            ("auto_assign_group", "9999"),
        ],
    )
    .await;
    expect_page(
        gone,
        400,
        "The team settings were not saved: There is no such group.",
    )
    .await;
    let (_, settings) = instance.configurator().get(SETTINGS).await;
    assert_eq!(
        settings["agent_chat_visibility"], "groups",
        "nothing refused was saved"
    );

    let forged = admin
        .post(instance.url("/admin/settings"))
        .form(&[
            ("agent_chat_visibility", "own"),
            ("auto_assign_group", ""),
            ("csrf_token", "00ff"),
        ])
        .send()
        .await
        .unwrap();
    expect_page(forged, 403, "This form has expired").await;
    let stranger = browser_client()
        .get(instance.url("/admin/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&stranger), "/admin/login");
    let stranger = browser_client()
        .get(instance.url("/admin/groups"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&stranger), "/admin/login");
    assert_eq!(
        instance.configurator().get(SETTINGS).await.1["agent_chat_visibility"],
        "groups"
    );
}

// --- in a browser ---

/// The admin's clicks on both pages, with a screenshot of each at desktop and phone width.
#[tokio::test]
async fn an_admin_manages_groups_and_team_settings_in_a_browser() {
    let instance = Instance::start(Spec::default()).await;
    let ana_id = user(&instance, "ana.agent", "agent").await;
    user(&instance, "bruno.agent", "agent").await;
    new_group(&instance, "Sales", &[ana_id]).await;
    let activation_url = instance.activation_url();

    with_browser(move |client| async move {
        client.goto(&activation_url).await.unwrap();
        type_into(&client, "input[name=password]", PASSWORD).await;
        type_into(&client, "input[name=password_confirmation]", PASSWORD).await;
        click(&client, "button[type=submit]").await;
        wait_for_text(&client, ".notice.success", "Your password is saved").await;
        click(&client, "details.menu summary").await;
        click(&client, ".menu-items a[href='/admin/groups']").await;
        wait_for_path(&client, "/admin/groups").await;

        type_into(
            &client,
            "form[action='/admin/groups'] input[name=name]",
            "Support",
        )
        .await;
        click(&client, "form[action='/admin/groups'] button[type=submit]").await;
        wait_for_text(&client, ".notice.success", "The group was added.").await;
        let support = wait_for(
            &client,
            "section.group[aria-label=Support] select[name=user_id]",
        )
        .await;
        support.select_by_label("bruno.agent").await.unwrap();
        click(
            &client,
            "section.group[aria-label=Support] form.add-member button",
        )
        .await;
        wait_for_text(&client, ".notice.success", "The member was added.").await;
        wait_for_text(
            &client,
            "section.group[aria-label=Support] ul.members",
            "bruno.agent",
        )
        .await;
        screenshot(&client, "admin-groups-desktop").await;
        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "admin-groups-phone").await;
        client.set_window_size(1280, 900).await.unwrap();

        click(&client, "details.menu summary").await;
        click(&client, ".menu-items a[href='/admin/settings']").await;
        wait_for_path(&client, "/admin/settings").await;
        click(&client, "input[name=agent_chat_visibility][value=groups]").await;
        let group = wait_for(&client, "select[name=auto_assign_group]").await;
        group.select_by_label("Support").await.unwrap();
        click(
            &client,
            "form[action='/admin/settings'] button[type=submit]",
        )
        .await;
        wait_for_text(&client, ".notice.success", "The team settings are saved.").await;
        screenshot(&client, "admin-settings-desktop").await;
        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "admin-settings-phone").await;
        client.set_window_size(1280, 900).await.unwrap();

        click(&client, "details.menu summary").await;
        click(&client, ".menu-items a[href='/admin/tags']").await;
        wait_for_path(&client, "/admin/tags").await;
        type_into(
            &client,
            "form[action='/admin/tags'] input[name=name]",
            "VIP",
        )
        .await;
        click(&client, "form[action='/admin/tags'] button[type=submit]").await;
        wait_for_text(&client, ".notice.success", "The tag was added.").await;
        wait_for(&client, "li.tag-row input[value=VIP]").await;
        screenshot(&client, "admin-tags-desktop").await;
        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "admin-tags-phone").await;
    })
    .await;

    let (_, settings) = instance.configurator().get(SETTINGS).await;
    assert_eq!(settings["agent_chat_visibility"], "groups");
    let support = &groups(&instance).await[1];
    assert_eq!(support["name"], "Support");
    assert_eq!(settings["auto_assign_group"], support["id"]);
    assert_eq!(member_names(support), ["bruno.agent"]);
    let (_, tags) = instance.configurator().get("/api/v1/tags/").await;
    assert_eq!(tags["results"][0]["name"], "VIP", "{tags}");
}
