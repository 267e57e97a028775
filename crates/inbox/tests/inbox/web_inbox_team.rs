//! The web inbox as a team works in it, over HTTP with its forms: tags put on and taken off a
//! conversation, a conversation resolved and reopened, a saved response and a file sent through
//! 360Dialog, the list's filters, and chats an agent may not see.

use crate::fake_d360::{shop_templates, FakeD360};
use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{data_dir, inbound_secret, time_now};
use crate::support::socket::{listen, next_getchat};
use crate::support::web::{get_text, location, sign_in};
use crate::support::{browser_client, token_for, Instance, Spec, PASSWORD};
use crate::web_inbox::{agent_in_inbox, customer_text, deliver, ANA};
use reqwest::multipart::{Form, Part};
use reqwest::Client;
use serde_json::{json, Value};

const CARLA: &str = "4915198765432";

/// An instance whose 360Dialog answers, a customer (Ana) who wrote a minute ago, and the agent
/// bruno signed in to the web inbox.
async fn team() -> (Instance, FakeD360, Client) {
    let instance = Instance::start(Spec::default()).await;
    let d360 = FakeD360::start(shop_templates()).await;
    d360.serve(&instance, 2).await;
    let client = agent_in_inbox(&instance).await;
    customer_writes(&instance, ANA, "Ana López", "Is my order ready?").await;
    (instance, d360, client)
}

async fn customer_writes(instance: &Instance, from: &str, name: &str, text: &str) {
    let secret = inbound_secret(&instance.spec);
    let webhook = customer_text(from, name, text, time_now() - 60);
    deliver(&instance.url(""), &secret, &webhook).await;
}

/// A tag made by the configurator; its id.
async fn add_tag(instance: &Instance, name: &str, color: &str) -> i64 {
    let body = json!({"name": name, "web_inbox_color": color});
    let (status, tag) = instance.configurator().post("/api/v1/tags/", body).await;
    assert_eq!(status, 201, "{tag}");
    tag["id"].as_i64().unwrap()
}

/// Posts a form of the conversation's page with that page's CSRF token.
async fn post_form(
    client: &Client,
    instance: &Instance,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = get_text(client, instance, &format!("/inbox/chats/{ANA}")).await;
    let token = csrf_token(&page);
    let mut form = fields.to_vec();
    form.push(("csrf_token", &token));
    client
        .post(instance.url(path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn token_of(instance: &Instance, username: &str) -> String {
    let answer = token_for(instance, username, PASSWORD).await;
    let body: Value = answer.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_tag_put_on_in_the_conversation_shows_as_a_chip_filters_the_list_and_comes_off() {
    let (instance, _d360, client) = team().await;
    let vip = add_tag(&instance, "VIP", "#E11D48").await;
    let billing = add_tag(&instance, "<b>Billing</b>", "").await;
    let mut socket = listen(&instance, &token_of(&instance, "bruno").await).await;

    let tagged = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/tags?unread=1"),
        &[("tag", &vip.to_string())],
    )
    .await;

    assert_eq!(tagged.status(), 303);
    assert_eq!(
        location(&tagged),
        format!("/inbox/chats/{ANA}?unread=1"),
        "back to the conversation, the list's filter kept"
    );
    let heard = next_getchat(&mut socket, "chat_tagging").await;
    assert_eq!(heard["action"], "added");
    assert_eq!(heard["tag"]["name"], "VIP");
    assert_eq!(heard["done_by"]["username"], "bruno");
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        shows(&chat, "Remove the tag VIP"),
        "the chip has its ×: {chat}"
    );
    let list = get_text(&client, &instance, "/inbox/").await;
    assert!(shows(&list, ">VIP</span>"), "the row shows its tag: {list}");
    assert!(
        list.contains(r##"fill="#e11d48""##),
        "in its colour, as an SVG attribute"
    );
    let by_vip = get_text(&client, &instance, &format!("/inbox/?tag={vip}")).await;
    assert!(shows(&by_vip, "Ana López"));
    let by_billing = get_text(&client, &instance, &format!("/inbox/?tag={billing}")).await;
    assert!(shows(&by_billing, "No conversations match"), "{by_billing}");
    assert!(!shows(&by_billing, "Ana López"));
    assert!(
        by_billing.contains("&lt;b&gt;Billing&lt;/b&gt;") && !by_billing.contains("<b>Billing"),
        "a tag's name is text, never markup"
    );

    let (_, api_chat) = instance
        .signed_in("bruno")
        .await
        .get(&format!("/api/v1/chats/{ANA}/"))
        .await;
    let tagging = api_chat["tags"][0]["tagging_id"].as_i64().unwrap();
    let untagged = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/tags/{tagging}/delete"),
        &[],
    )
    .await;

    assert_eq!(untagged.status(), 303);
    let heard = next_getchat(&mut socket, "chat_tagging").await;
    assert_eq!(heard["action"], "removed");
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(!shows(&chat, "Remove the tag VIP"), "{chat}");
    let list = get_text(&client, &instance, "/inbox/").await;
    assert!(!shows(&list, ">VIP</span>"));
}

#[tokio::test]
async fn a_tag_form_without_its_token_or_with_a_deleted_tag_changes_nothing() {
    let (instance, _d360, client) = team().await;
    let vip = add_tag(&instance, "VIP", "#123").await;
    let forged = client
        .post(instance.url(&format!("/inbox/chats/{ANA}/tags")))
        .form(&[("tag", vip.to_string().as_str()), ("csrf_token", "0")])
        .send()
        .await
        .unwrap();
    expect_page(forged, 403, "This form has expired").await;

    let gone = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/tags"),
        &[("tag", "99999")],
    )
    .await;
    assert_eq!(gone.status(), 303);
    let back = client
        .get(instance.url(location(&gone)))
        .send()
        .await
        .unwrap();
    expect_page(back, 200, "That tag no longer exists").await;
    let (_, chat) = instance.configurator().get("/api/v1/tags/").await;
    assert_eq!(chat["count"], 1);
    let page = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(!shows(&page, "Remove the tag"), "no tag on the chat");
}

#[tokio::test]
async fn resolving_and_reopening_in_the_conversation_shows_the_state_everywhere() {
    let (instance, _d360, client) = team().await;
    let mut socket = listen(&instance, &token_of(&instance, "bruno").await).await;
    let before = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(shows(&before, ">Resolve<") && !shows(&before, "✓ Resolved"));

    let resolved = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/resolve"),
        &[("resolved", "1")],
    )
    .await;

    assert_eq!(resolved.status(), 303);
    let heard = next_getchat(&mut socket, "chat_resolved").await;
    assert_eq!(heard["resolved"], true);
    assert_eq!(heard["done_by"]["username"], "bruno");
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        shows(&chat, "✓ Resolved") && shows(&chat, ">Reopen<"),
        "{chat}"
    );
    let list = get_text(&client, &instance, "/inbox/").await;
    assert!(
        shows(&list, "✓ Resolved"),
        "the list row says so too: {list}"
    );
    let (_, api_chat) = instance
        .signed_in("bruno")
        .await
        .get(&format!("/api/v1/chats/{ANA}/"))
        .await;
    assert_eq!(api_chat["is_resolved"], true);

    let reopened = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/resolve"),
        &[("resolved", "0")],
    )
    .await;
    assert_eq!(reopened.status(), 303);
    assert_eq!(
        next_getchat(&mut socket, "chat_resolved").await["resolved"],
        false
    );
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(shows(&chat, ">Resolve<") && !shows(&chat, "✓ Resolved"));
}

#[tokio::test]
async fn a_saved_response_is_offered_and_sent_as_the_reply_through_360dialog() {
    let (instance, d360, client) = team().await;
    let text = "Thanks for waiting! Your order is ready for pick-up until 6 pm.";
    let (status, saved) = instance
        .signed_in("bruno")
        .await
        .post("/api/v1/saved_responses/", json!({"text": text}))
        .await;
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_i64().unwrap().to_string();
    let page = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        shows(&page, &format!("data-text=\"{text}\"")),
        "offered with its whole text: {page}"
    );

    let sent = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/send"),
        &[("type", "saved"), ("saved_response", &id)],
    )
    .await;

    assert_eq!(sent.status(), 303);
    assert!(location(&sent).contains("sent=sent"), "{}", location(&sent));
    let taken = d360.sent();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0]["to"], ANA);
    assert_eq!(taken[0]["text"]["body"], text);
    let unknown = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/send"),
        &[("type", "saved"), ("saved_response", "4242")],
    )
    .await;
    expect_page(unknown, 400, "Choose one of the saved responses listed.").await;
    assert_eq!(d360.sent().len(), 1, "nothing more was sent");
}

async fn attach(
    client: &Client,
    instance: &Instance,
    file: Option<(&str, &str, &[u8])>,
    caption: &str,
) -> reqwest::Response {
    let page = get_text(client, instance, &format!("/inbox/chats/{ANA}")).await;
    let mut form = Form::new()
        .text("csrf_token", csrf_token(&page))
        .text("caption", caption.to_owned());
    form = match file {
        Some((name, mime, bytes)) => form.part(
            "file",
            Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        ),
        // What a browser sends when no file was chosen.
        None => form.part(
            "file",
            Part::bytes(Vec::new())
                .file_name("")
                .mime_str("application/octet-stream")
                .unwrap(),
        ),
    };
    client
        .post(instance.url(&format!("/inbox/chats/{ANA}/attach")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_file_attached_in_the_composer_goes_to_360dialog_as_the_kind_its_type_makes_it() {
    let (instance, d360, client) = team().await;
    let png = b"\x89PNG\r\n\x1a\n a photo of the parcel";

    let sent = attach(
        &client,
        &instance,
        Some(("parcel.png", "image/png", png)),
        "Your parcel",
    )
    .await;

    assert_eq!(sent.status(), 303);
    assert!(location(&sent).contains("sent=sent"), "{}", location(&sent));
    let uploads = d360.uploads();
    assert_eq!(uploads.len(), 1, "the file went to 360Dialog first");
    assert!(
        uploads[0].windows(png.len()).any(|w| w == png),
        "with its bytes"
    );
    let taken = d360.sent();
    assert_eq!(taken[0]["type"], "image");
    assert_eq!(taken[0]["image"]["id"], "media.fake.1");
    assert_eq!(taken[0]["image"]["caption"], "Your parcel");
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        shows(&chat, "Your parcel"),
        "the conversation shows it: {chat}"
    );

    let pdf = attach(
        &client,
        &instance,
        Some(("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice")),
        "",
    )
    .await;
    assert_eq!(pdf.status(), 303);
    let taken = d360.sent();
    assert_eq!(taken[1]["type"], "document");
    assert_eq!(taken[1]["document"]["filename"], "invoice.pdf");
    assert!(taken[1]["document"].get("caption").is_none());
}

#[tokio::test]
async fn a_file_whatsapp_does_not_take_or_no_file_is_refused_on_the_page_and_nothing_is_sent() {
    let (instance, d360, client) = team().await;
    let gif = attach(
        &client,
        &instance,
        Some(("cat.gif", "image/gif", b"GIF89a")),
        "",
    )
    .await;
    expect_page(
        gif,
        400,
        "WhatsApp does not accept files of type \"image/gif\".",
    )
    .await;
    let none = attach(&client, &instance, None, "hello").await;
    expect_page(none, 400, "Choose a file to send.").await;
    let forged = client
        .post(instance.url(&format!("/inbox/chats/{ANA}/attach")))
        .multipart(
            Form::new().text("csrf_token", "0").part(
                "file",
                Part::bytes(b"%PDF".to_vec())
                    .file_name("a.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    expect_page(forged, 403, "This form has expired").await;
    assert!(d360.sent().is_empty() && d360.uploads().is_empty());
}

#[tokio::test]
async fn the_list_shows_only_unassigned_chats_or_only_mine_and_its_links_keep_the_filter() {
    let (instance, _d360, client) = team().await;
    customer_writes(&instance, CARLA, "Carla Souza", "Hello?").await;
    let bruno = instance.signed_in("bruno").await;
    let (_, me) = bruno.get("/api/v1/users/current/").await;
    let store = inbox::store::Store::open(&data_dir(&instance.dir))
        .await
        .expect("the instance's database");
    let bruno_user = store
        .user(inbox::domain::UserId(me["id"].as_i64().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let change = inbox::store::AssignmentChange {
        user: Some(Some(bruno_user.id)),
        group: None,
    };
    let carla = inbox::domain::WaId::parse(CARLA).unwrap();
    store
        .assign_chat(&carla, change, &bruno_user)
        .await
        .expect("assigned");

    let mine = get_text(&client, &instance, "/inbox/?assigned=mine").await;
    let unassigned = get_text(&client, &instance, "/inbox/?assigned=unassigned").await;

    assert!(shows(&mine, "Carla Souza") && !shows(&mine, "Ana López"));
    assert!(
        shows(&mine, "</svg>bruno</span>"),
        "the row says who handles it: {mine}"
    );
    assert!(shows(&unassigned, "Ana López") && !shows(&unassigned, "Carla Souza"));
    assert!(
        mine.contains(&format!("href=\"/inbox/chats/{CARLA}?assigned=mine\"")),
        "opening a chat keeps the filter"
    );
    let chat = get_text(
        &client,
        &instance,
        &format!("/inbox/chats/{CARLA}?assigned=mine"),
    )
    .await;
    assert!(shows(&chat, "Assigned to <strong>bruno</strong>"), "{chat}");
    assert!(
        chat.contains("href=\"/inbox/?assigned=mine\""),
        "the back link keeps it"
    );
}

#[tokio::test]
async fn an_agent_who_may_not_see_a_chat_gets_the_not_found_page_and_does_not_list_it() {
    let (instance, _d360, client) = team().await;
    instance.add_user("boss", "admin").await;
    let store = inbox::store::Store::open(&data_dir(&instance.dir))
        .await
        .expect("the instance's database");
    // The admin's setting "agents see only their own chats"; Ana's chat is nobody's.
    store
        .set_chat_visibility(inbox::store::ChatVisibility::Own)
        .await
        .unwrap();
    let token = {
        // Any page's token of this session: the list has the sign-out form.
        let list = get_text(&client, &instance, "/inbox/").await;
        assert!(
            !shows(&list, "Ana López"),
            "not in the agent's list: {list}"
        );
        csrf_token(&list)
    };

    let hidden = client
        .get(instance.url(&format!("/inbox/chats/{ANA}")))
        .send()
        .await
        .unwrap();
    let unknown = client
        .get(instance.url("/inbox/chats/4915199999999"))
        .send()
        .await
        .unwrap();

    let hidden = expect_page(hidden, 404, "Page not found").await;
    let unknown = expect_page(unknown, 404, "Page not found").await;
    assert_eq!(
        hidden, unknown,
        "the same page as for a chat that is not there"
    );
    for (path, fields) in [
        ("resolve", vec![("resolved", "1")]),
        ("tags", vec![("tag", "1")]),
        ("send", vec![("type", "text"), ("body", "Hi")]),
    ] {
        let mut form = fields;
        form.push(("csrf_token", &token));
        let answer = client
            .post(instance.url(&format!("/inbox/chats/{ANA}/{path}")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{path}");
    }
    // The admin still sees it, unresolved.
    let admin = browser_client();
    let signed_in = sign_in(&admin, &instance, "/inbox/login", "boss", PASSWORD).await;
    assert_eq!(location(&signed_in), "/inbox/");
    let page = get_text(&admin, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(shows(&page, "Ana López") && !shows(&page, "✓ Resolved"));
}

#[tokio::test]
async fn assigning_in_the_conversation_to_me_or_to_a_user_and_group_is_shown_and_heard() {
    let (instance, _d360, client) = team().await;
    let carla_id = instance.add_user("carla", "agent").await["id"]
        .as_i64()
        .unwrap();
    let body = json!({"name": "Sales", "users": [carla_id]});
    let (status, group) = instance.configurator().post("/api/v1/groups/", body).await;
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_i64().unwrap().to_string();
    let mut socket = listen(&instance, &token_of(&instance, "bruno").await).await;
    let (_, me) = instance
        .signed_in("bruno")
        .await
        .get("/api/v1/users/current/")
        .await;
    let me = me["id"].as_i64().unwrap().to_string();
    let before = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(shows(&before, "Unassigned") && shows(&before, ">Assign to me<"));

    let mine = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/assign?assigned=unassigned"),
        &[("user", &me)],
    )
    .await;

    assert_eq!(mine.status(), 303);
    assert_eq!(
        location(&mine),
        format!("/inbox/chats/{ANA}?assigned=unassigned")
    );
    let heard = next_getchat(&mut socket, "chat_assignment").await;
    assert_eq!(
        heard["assigned_to_user_set"]["username"], "bruno",
        "{heard}"
    );
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(shows(&chat, "Assigned to <strong>bruno</strong>"), "{chat}");
    assert!(!shows(&chat, ">Assign to me<"), "already mine");
    let list = get_text(&client, &instance, "/inbox/?assigned=mine").await;
    assert!(shows(&list, "Ana López") && shows(&list, "</svg>bruno</span>"));

    let handed = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/assign"),
        &[("user", &carla_id.to_string()), ("group", &group)],
    )
    .await;
    assert_eq!(handed.status(), 303);
    let chat = get_text(&client, &instance, &format!("/inbox/chats/{ANA}")).await;
    assert!(
        shows(&chat, "Assigned to <strong>carla · Sales</strong>"),
        "{chat}"
    );
    // Now it is carla's: bruno, an agent, is offered no way to take it back, and a form sent
    // anyway is refused with the reason.
    assert!(!shows(&chat, ">Assign to me<") && !shows(&chat, "Change assignment"));
    let taken = post_form(
        &client,
        &instance,
        &format!("/inbox/chats/{ANA}/assign"),
        &[("user", &me)],
    )
    .await;
    let refused = client
        .get(instance.url(location(&taken)))
        .send()
        .await
        .unwrap();
    expect_page(refused, 200, "already assigned to another user").await;
    let (_, assignment) = instance
        .signed_in("carla")
        .await
        .get(&format!("/api/v1/chat_assignment/{ANA}/"))
        .await;
    assert_eq!(
        assignment["assigned_to_user"], carla_id,
        "unchanged: {assignment}"
    );
}
