//! Who handles a chat: the team assigns chats to users and groups through get.chat's
//! `chat_assignment/`, every change is in the chat's history and reaches every connected client,
//! and new conversations go round-robin to the available members of the admin's group.
//!
//! Groups, their members and the round-robin group are set up through `groups/` and
//! `settings/team/`, as an admin does.

use crate::support::instance::{inbound_secret, time_now};
use crate::support::socket::{listen, next_getchat};
use crate::support::{token_for, Api, Instance, Spec, PASSWORD};
use inbox::bootstrap::{INBOUND_SECRET_HEADER, INBOUND_WEBHOOK_PATH};
use reqwest::Method;
use serde_json::{json, Value};

const CARLA: &str = "4915112345678";
const DAVID: &str = "4915187654321";

/// A customer writes (a new wamid each time), as 360Dialog would post it.
async fn customer_writes(instance: &Instance, from: &str, wamid: &str) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "4915100000001", "phone_number_id": "pn"},
            "contacts": [{"profile": {"name": "Customer"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": time_now().to_string(),
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

/// A group with these members, made by the configurator; answers its id.
async fn group(instance: &Instance, name: &str, members: &[i64]) -> i64 {
    let body = json!({"name": name, "users": members});
    let (status, group) = instance.configurator().post("/api/v1/groups/", body).await;
    assert_eq!(status, 201, "{group}");
    group["id"].as_i64().expect("an id")
}

/// Changes the admin's team settings as the configurator.
async fn team_settings(instance: &Instance, body: Value) {
    let (status, settings) = instance
        .configurator()
        .call(Method::PATCH, "/api/v1/settings/team/", Some(body))
        .await;
    assert_eq!(status, 200, "{settings}");
}

async fn user(instance: &Instance, name: &str, role: &str) -> i64 {
    instance.add_user(name, role).await["id"]
        .as_i64()
        .expect("an id")
}

fn assignment_path(wa_id: &str) -> String {
    format!("/api/v1/chat_assignment/{wa_id}/")
}

async fn assign(api: &Api<'_>, wa_id: &str, body: Value) -> (u16, Value) {
    api.put(&assignment_path(wa_id), body).await
}

async fn patch(api: &Api<'_>, wa_id: &str, body: Value) -> (u16, Value) {
    api.call(Method::PATCH, &assignment_path(wa_id), Some(body))
        .await
}

async fn history(api: &Api<'_>, wa_id: &str) -> Vec<Value> {
    let (status, page) = api
        .get(&format!("/api/v1/chat_assignment_events/?wa_id={wa_id}"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["results"].as_array().expect("results").clone()
}

fn wa_ids(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|c| c["wa_id"].as_str().expect("a number"))
        .collect()
}

#[tokio::test]
async fn a_chat_assigned_to_a_user_and_a_group_shows_it_everywhere_until_it_is_unassigned() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let sales = group(&instance, "Sales", &[ana]).await;
    let (boss, ana_api, bo_api) = (
        instance.signed_in("boss").await,
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
    );
    customer_writes(&instance, CARLA, "wamid.A1").await;
    customer_writes(&instance, DAVID, "wamid.A2").await;

    let (status, answer) = assign(
        &boss,
        CARLA,
        json!({"wa_id": CARLA, "assigned_to_user": ana, "assigned_group": sales}),
    )
    .await;

    assert_eq!(status, 200, "{answer}");
    let expected = json!({"wa_id": CARLA, "assigned_to_user": ana, "assigned_group": sales});
    assert_eq!(answer, expected);
    assert_eq!(bo_api.get(&assignment_path(CARLA)).await, (200, expected));
    let (_, chat) = bo_api.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(chat["assigned_to_user"]["id"], ana);
    assert_eq!(chat["assigned_to_user"]["username"], "ana");
    assert_eq!(
        chat["assigned_group"],
        json!({"id": sales, "name": "Sales"})
    );
    let (_, list) = bo_api.get("/api/v1/chats/").await;
    let listed = &list["results"].as_array().expect("results");
    let carla = listed.iter().find(|c| c["wa_id"] == CARLA).expect("listed");
    assert_eq!(carla["assigned_to_user"]["username"], "ana");
    let david = listed.iter().find(|c| c["wa_id"] == DAVID).expect("listed");
    assert_eq!(david["assigned_to_user"], Value::Null);
    assert_eq!(david["assigned_group"], Value::Null);
    let (_, mine) = ana_api.get("/api/v1/chats/?assigned_to_me=true").await;
    assert_eq!(wa_ids(&mine), [CARLA]);
    let (_, not_bos) = bo_api.get("/api/v1/chats/?assigned_to_me=true").await;
    assert!(wa_ids(&not_bos).is_empty(), "{not_bos}");
    let (_, of_sales) = bo_api
        .get(&format!("/api/v1/chats/?assigned_group={sales}"))
        .await;
    assert_eq!(wa_ids(&of_sales), [CARLA]);

    // PATCH changes only what it sends: the user goes, the group stays.
    let (status, answer) = patch(&boss, CARLA, json!({"assigned_to_user": null})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["assigned_to_user"], Value::Null);
    assert_eq!(answer["assigned_group"], sales);
    let (_, mine) = ana_api.get("/api/v1/chats/?assigned_to_me=true").await;
    assert!(wa_ids(&mine).is_empty(), "{mine}");

    let both_null = json!({"assigned_to_user": null, "assigned_group": null});
    assert_eq!(assign(&boss, CARLA, both_null).await.0, 200);
    let (_, chat) = bo_api.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(chat["assigned_to_user"], Value::Null);
    assert_eq!(chat["assigned_group"], Value::Null);
    let (_, of_sales) = bo_api
        .get(&format!("/api/v1/chats/?assigned_group={sales}"))
        .await;
    assert!(wa_ids(&of_sales).is_empty(), "{of_sales}");
}

#[tokio::test]
async fn the_history_says_who_changed_what_from_what_newest_first() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let sales = group(&instance, "Sales", &[ana, bo]).await;
    let (boss, ana_api) = (
        instance.signed_in("boss").await,
        instance.signed_in("ana").await,
    );
    customer_writes(&instance, CARLA, "wamid.H1").await;

    // ana takes the free chat (get.chat's web app sends the ids of its menus as strings), the
    // admin gives it to bo in Sales, then takes bo off it; the same assignment again changes
    // nothing and is not in the history.
    let take = json!({"wa_id": CARLA, "assigned_to_user": ana.to_string(), "assigned_group": null});
    assert_eq!(assign(&ana_api, CARLA, take).await.0, 200);
    let to_bo = json!({"assigned_to_user": bo, "assigned_group": sales});
    assign(&boss, CARLA, to_bo.clone()).await;
    assert_eq!(assign(&boss, CARLA, to_bo).await.0, 200);
    patch(&boss, CARLA, json!({"assigned_to_user": null})).await;

    let events = history(&boss, CARLA).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    let (cleared, to_bo, took) = (&events[0], &events[1], &events[2]);
    assert_eq!(took["wa_id"], CARLA);
    assert_eq!(took["done_by"]["username"], "ana");
    assert_eq!(took["assigned_to_user_set"]["username"], "ana");
    assert_eq!(took["previous_assigned_to_user"], Value::Null);
    assert_eq!(took["assigned_group_set"], Value::Null);
    assert_eq!(to_bo["done_by"]["username"], "boss");
    assert_eq!(to_bo["assigned_to_user_set"]["username"], "bo");
    assert_eq!(to_bo["previous_assigned_to_user"], ana);
    assert_eq!(
        to_bo["assigned_group_set"],
        json!({"id": sales, "name": "Sales"})
    );
    assert_eq!(to_bo["assigned_to_user_was_cleared"], false);
    assert_eq!(cleared["done_by"]["username"], "boss");
    assert_eq!(cleared["assigned_to_user_was_cleared"], true);
    assert_eq!(cleared["assigned_to_user_set"], Value::Null);
    assert_eq!(cleared["previous_assigned_to_user"], bo);
    assert_eq!(
        (
            &cleared["assigned_group_was_cleared"],
            &cleared["assigned_group"]
        ),
        (&json!(false), &json!(sales)),
        "the group stayed"
    );
    assert_eq!(cleared["automatic"], false);
    let (_, first_page) = boss
        .get(&format!(
            "/api/v1/chat_assignment_events/?wa_id={CARLA}&limit=1"
        ))
        .await;
    assert_eq!(first_page["count"], 3);
    assert_eq!(first_page["results"][0]["id"], cleared["id"]);
    assert!(first_page["next"].is_string(), "{first_page}");
    let (status, errors) = boss.get("/api/v1/chat_assignment_events/").await;
    assert_eq!(status, 400);
    assert!(errors["wa_id"][0].is_string(), "{errors}");
}

#[tokio::test]
async fn a_deleted_user_the_configurator_a_non_member_or_an_unknown_group_is_refused_by_field() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    let gone = user(&instance, "gone", "agent").await;
    user(&instance, "boss", "admin").await;
    let sales = group(&instance, "Sales", &[ana]).await;
    let boss = instance.signed_in("boss").await;
    let (_, configurator) = instance.configurator().get("/api/v1/users/current/").await;
    let (deleted, _) = instance
        .configurator()
        .delete(&format!("/api/v1/users/{gone}/"))
        .await;
    assert_eq!(deleted, 204);
    customer_writes(&instance, CARLA, "wamid.B1").await;
    assign(&boss, CARLA, json!({"assigned_to_user": ana})).await;

    let refusals = [
        (json!({"assigned_to_user": gone}), "assigned_to_user"),
        (json!({"assigned_to_user": 9999}), "assigned_to_user"),
        (
            json!({"assigned_to_user": configurator["id"]}),
            "assigned_to_user",
        ),
        (
            json!({"assigned_to_user": bo, "assigned_group": sales}),
            "assigned_to_user",
        ),
        // A group that does not exist is named by its own field.
        (json!({"assigned_group": 9999}), "assigned_group"),
        (json!({"assigned_to_user": "ana"}), "assigned_to_user"),
        (json!({"assigned_group": [sales]}), "assigned_group"),
    ];
    for (body, field) in refusals {
        let (status, errors) = assign(&boss, CARLA, body.clone()).await;
        assert_eq!(status, 400, "{body} → {errors}");
        assert!(errors[field][0].is_string(), "{body} → {errors}");
    }

    let (_, assignment) = boss.get(&assignment_path(CARLA)).await;
    assert_eq!(assignment["assigned_to_user"], ana, "nothing changed");
    assert_eq!(assignment["assigned_group"], Value::Null);
    assert_eq!(history(&boss, CARLA).await.len(), 1);
    let unknown = "4915199999999";
    assert_eq!(boss.get(&assignment_path(unknown)).await.0, 404);
    let to_ana = json!({"assigned_to_user": ana});
    assert_eq!(assign(&boss, unknown, to_ana).await.0, 404);
    let (status, _) = boss
        .get(&format!("/api/v1/chat_assignment_events/?wa_id={unknown}"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_agent_gets_for_a_chat_they_may_not_see_the_404_an_unknown_chat_gets() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let bo_api = instance.signed_in("bo").await;
    customer_writes(&instance, CARLA, "wamid.V1").await;
    team_settings(&instance, json!({"agent_chat_visibility": "own"})).await;
    let unknown = "4915199999999";

    let take = json!({"assigned_to_user": ana});
    let hidden = [
        bo_api.get(&assignment_path(CARLA)).await,
        assign(&bo_api, CARLA, take.clone()).await,
        bo_api
            .get(&format!("/api/v1/chat_assignment_events/?wa_id={CARLA}"))
            .await,
    ];
    let missing = [
        bo_api.get(&assignment_path(unknown)).await,
        assign(&bo_api, unknown, take).await,
        bo_api
            .get(&format!("/api/v1/chat_assignment_events/?wa_id={unknown}"))
            .await,
    ];

    assert_eq!(hidden, missing);
    assert!(hidden.iter().all(|(status, _)| *status == 404));
    let boss = instance.signed_in("boss").await;
    let (_, assignment) = boss.get(&assignment_path(CARLA)).await;
    assert_eq!(assignment["assigned_to_user"], Value::Null, "{assignment}");
}

#[tokio::test]
async fn an_agent_takes_a_free_chat_but_not_one_assigned_to_someone_else() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let (ana_api, bo_api, boss) = (
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
        instance.signed_in("boss").await,
    );
    customer_writes(&instance, CARLA, "wamid.T1").await;

    assert_eq!(
        assign(&ana_api, CARLA, json!({"assigned_to_user": ana}))
            .await
            .0,
        200
    );
    let (status, refused) = assign(&bo_api, CARLA, json!({"assigned_to_user": bo})).await;

    assert_eq!(status, 403);
    assert_eq!(
        refused["detail"],
        "This chat is already assigned to another user."
    );
    let (_, assignment) = bo_api.get(&assignment_path(CARLA)).await;
    assert_eq!(assignment["assigned_to_user"], ana);
    assert_eq!(history(&boss, CARLA).await.len(), 1);
    // An admin may; and ana may let go of her own chat.
    assert_eq!(
        assign(&boss, CARLA, json!({"assigned_to_user": bo}))
            .await
            .0,
        200
    );
    assert_eq!(
        assign(&bo_api, CARLA, json!({"assigned_to_user": null}))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn two_assignments_at_the_same_moment_both_land_in_order_and_the_history_is_true() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    user(&instance, "chief", "admin").await;
    let (boss, chief) = (
        instance.signed_in("boss").await,
        instance.signed_in("chief").await,
    );
    customer_writes(&instance, CARLA, "wamid.C1").await;

    for round in 0..5 {
        // Each round starts from nobody, and two admins give the chat to two people at once.
        let none = json!({"assigned_to_user": null});
        assign(&boss, CARLA, none).await;
        let (to_ana, to_bo) = tokio::join!(
            assign(&boss, CARLA, json!({"assigned_to_user": ana})),
            assign(&chief, CARLA, json!({"assigned_to_user": bo})),
        );
        assert_eq!((to_ana.0, to_bo.0), (200, 200), "round {round}");

        let (_, now) = boss.get(&assignment_path(CARLA)).await;
        let last = now["assigned_to_user"].as_i64().expect("assigned");
        let first = if last == ana { bo } else { ana };
        assert!(last == ana || last == bo);
        let events = history(&boss, CARLA).await;
        // Newest first: the write that won came second and changed the other's assignment.
        assert_eq!(events[0]["previous_assigned_to_user"], first, "{events:#?}");
        assert_eq!(events[0]["assigned_to_user"], last);
        assert_eq!(events[1]["previous_assigned_to_user"], Value::Null);
        assert_eq!(events[1]["assigned_to_user"], first);
        let winner = if last == ana { "boss" } else { "chief" };
        assert_eq!(events[0]["done_by"]["username"], winner);
    }
}

#[tokio::test]
async fn two_agents_taking_a_free_chat_at_once_one_gets_it_and_the_other_is_refused() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    let (ana_api, bo_api) = (
        instance.signed_in("ana").await,
        instance.signed_in("bo").await,
    );
    customer_writes(&instance, CARLA, "wamid.R1").await;

    let (ana_takes, bo_takes) = tokio::join!(
        assign(&ana_api, CARLA, json!({"assigned_to_user": ana})),
        assign(&bo_api, CARLA, json!({"assigned_to_user": bo})),
    );

    let mut statuses = [ana_takes.0, bo_takes.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403], "{ana_takes:?} {bo_takes:?}");
    let winner = if ana_takes.0 == 200 { ana } else { bo };
    let (_, now) = ana_api.get(&assignment_path(CARLA)).await;
    assert_eq!(now["assigned_to_user"], winner);
    let events = history(&ana_api, CARLA).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["assigned_to_user"], winner);
}

async fn token_of(instance: &Instance, username: &str) -> String {
    let response = token_for(instance, username, PASSWORD).await;
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn every_assignment_change_and_a_deleted_users_chats_reach_every_connected_client() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    user(&instance, "bo", "agent").await;
    user(&instance, "boss", "admin").await;
    let sales = group(&instance, "Sales", &[ana]).await;
    let boss = instance.signed_in("boss").await;
    customer_writes(&instance, CARLA, "wamid.P1").await;
    let mut socket = listen(&instance, &token_of(&instance, "bo").await).await;

    let to_ana = json!({"assigned_to_user": ana, "assigned_group": sales});
    assign(&boss, CARLA, to_ana).await;
    let assigned = next_getchat(&mut socket, "chat_assignment").await;
    assert_eq!(assigned["wa_id"], CARLA);
    assert_eq!(assigned["done_by"]["username"], "boss");
    assert_eq!(assigned["assigned_to_user_set"]["username"], "ana");
    assert_eq!(assigned["assigned_group_set"]["name"], "Sales");

    // Deleting ana takes her off the chat: in the history and on the socket.
    let (deleted, _) = boss.delete(&format!("/api/v1/users/{ana}/")).await;
    assert_eq!(deleted, 204);
    let unassigned = next_getchat(&mut socket, "chat_assignment").await;
    assert_eq!(unassigned["wa_id"], CARLA);
    assert_eq!(unassigned["assigned_to_user_was_cleared"], true);
    assert_eq!(unassigned["previous_assigned_to_user"], ana);
    assert_eq!(unassigned["done_by"]["username"], "boss");
    let (_, chat) = boss.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(chat["assigned_to_user"], Value::Null);
    assert_eq!(chat["assigned_group"]["id"], sales, "the group stays");
    let events = history(&boss, CARLA).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["assigned_to_user_was_cleared"], true);
    assert_eq!(
        events[1]["assigned_to_user_set"]["username"], "ana",
        "the history still names her"
    );
}

#[tokio::test]
async fn new_conversations_go_round_robin_to_the_available_members_of_the_admins_group() {
    let instance = Instance::start(Spec {
        seats: 10,
        ..Spec::default()
    })
    .await;
    let ana = user(&instance, "ana", "agent").await;
    let bo = user(&instance, "bo", "agent").await;
    let cy = user(&instance, "cy", "agent").await;
    user(&instance, "outsider", "agent").await;
    user(&instance, "boss", "admin").await;
    let support = group(&instance, "Support", &[ana, bo, cy]).await;
    team_settings(&instance, json!({"auto_assign_group": support})).await;
    let boss = instance.signed_in("boss").await;
    let bo_path = format!("/api/v1/users/{bo}/availability");
    let away = json!({"is_available": false});
    let (status, _) = boss.call(Method::PATCH, &bo_path, Some(away)).await;
    assert_eq!(status, 200);
    let mut socket = listen(&instance, &token_of(&instance, "boss").await).await;

    // Four customers write at once: ana and cy (bo is away) take turns, whatever the order.
    let customers = [
        "4915100000011",
        "4915100000012",
        "4915100000013",
        "4915100000014",
    ];
    let wamids: Vec<String> = customers.iter().map(|c| format!("wamid.{c}")).collect();
    futures_util::future::join_all(
        customers
            .iter()
            .zip(&wamids)
            .map(|(customer, wamid)| customer_writes(&instance, customer, wamid)),
    )
    .await;

    let mut assignees = Vec::new();
    for customer in customers {
        let (_, chat) = boss.get(&format!("/api/v1/chats/{customer}/")).await;
        assert_eq!(chat["assigned_group"]["id"], support, "{chat}");
        assignees.push(chat["assigned_to_user"]["id"].as_i64().expect("a user"));
    }
    assignees.sort_unstable();
    assert_eq!(assignees, [ana, ana, cy, cy]);
    let event = next_getchat(&mut socket, "chat_assignment").await;
    assert_eq!(event["done_by"], Value::Null, "the instance did it");
    assert_eq!(event["automatic"], true);
    assert_eq!(event["assigned_group_set"]["name"], "Support");
    let events = history(&boss, customers[0]).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["done_by"], Value::Null);

    // The next one after the last: in id order, ana follows cy.
    customer_writes(&instance, CARLA, "wamid.N1").await;
    let (_, carla) = boss.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(carla["assigned_to_user"]["id"], ana);
    // A customer writing again is no new conversation: the chat keeps its assignment.
    patch(&boss, CARLA, json!({"assigned_to_user": null})).await;
    customer_writes(&instance, CARLA, "wamid.N2").await;
    let (_, carla) = boss.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(carla["assigned_to_user"], Value::Null);

    // Nobody available: the group alone.
    for id in [ana, cy] {
        let path = format!("/api/v1/users/{id}/availability");
        let away = json!({"is_available": false});
        boss.call(Method::PATCH, &path, Some(away)).await;
    }
    customer_writes(&instance, DAVID, "wamid.N3").await;
    let (_, david) = boss.get(&format!("/api/v1/chats/{DAVID}/")).await;
    assert_eq!(david["assigned_to_user"], Value::Null);
    assert_eq!(david["assigned_group"]["id"], support);
}

#[tokio::test]
async fn without_a_round_robin_group_a_new_conversation_is_nobodys() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    group(&instance, "Support", &[ana]).await;
    let ana_api = instance.signed_in("ana").await;

    customer_writes(&instance, CARLA, "wamid.O1").await;

    let (_, chat) = ana_api.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(chat["assigned_to_user"], Value::Null);
    assert_eq!(chat["assigned_group"], Value::Null);
    assert!(history(&ana_api, CARLA).await.is_empty());
}

#[tokio::test]
async fn an_assignment_and_its_history_survive_a_restart() {
    let instance = Instance::start(Spec::default()).await;
    let ana = user(&instance, "ana", "agent").await;
    user(&instance, "boss", "admin").await;
    let sales = group(&instance, "Sales", &[ana]).await;
    customer_writes(&instance, CARLA, "wamid.S1").await;
    {
        let boss = instance.signed_in("boss").await;
        let to_ana = json!({"assigned_to_user": ana, "assigned_group": sales});
        assert_eq!(assign(&boss, CARLA, to_ana).await.0, 200);
    }

    let instance = instance.restart().await;

    let boss = instance.signed_in("boss").await;
    let (_, assignment) = boss.get(&assignment_path(CARLA)).await;
    assert_eq!(
        assignment,
        json!({"wa_id": CARLA, "assigned_to_user": ana, "assigned_group": sales})
    );
    let (_, chat) = boss.get(&format!("/api/v1/chats/{CARLA}/")).await;
    assert_eq!(chat["assigned_to_user"]["username"], "ana");
    let events = history(&boss, CARLA).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["done_by"]["username"], "boss");
}
