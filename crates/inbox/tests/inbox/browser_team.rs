//! Two agents in two headless Chromiums: what one does to a conversation (a tag, resolving it,
//! taking it) shows on the other's open page by itself, its list filter kept. Screenshots at
//! desktop and phone width land in `<target>/screenshots/`.

use crate::support::browser::{
    click, mark_page, screenshot, still_the_same_page, type_into, wait_for_path, wait_for_text,
    with_two_browsers,
};
use crate::support::instance::{inbound_secret, time_now};
use crate::support::{Instance, Spec, PASSWORD};
use crate::web_inbox::{customer_text, deliver, ANA};
use fantoccini::{Client, Locator};
use serde_json::json;

const CARLA: &str = "4915198765432";

async fn sign_in_to_inbox(client: &Client, base: &str, username: &str) {
    client.goto(&format!("{base}/inbox/login")).await.unwrap();
    type_into(client, "input[name=username]", username).await;
    type_into(client, "input[name=password]", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for_text(client, ".signed-in-user", username).await;
}

/// Chooses the tag and adds it. The page's own live feed may swap the form meanwhile (it hears
/// of its own changes too): then again, with the new form.
async fn add_tag(client: &Client, tag: i64) {
    for _ in 0..20 {
        let chosen = async {
            let select = client.find(Locator::Css("form.add-tag select")).await?;
            select.select_by_value(&tag.to_string()).await?;
            let form = client.find(Locator::Css("form.add-tag")).await?;
            form.find(Locator::Css("button[type=submit]"))
                .await?
                .click()
                .await
        };
        if chosen.await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("could not add tag {tag}");
}

/// Clicks a control of a region the live feed may swap between finding and clicking it.
async fn click_live(client: &Client, css: &str) {
    for _ in 0..20 {
        if let Ok(found) = client.find(Locator::Css(css)).await {
            if found.click().await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("could not click {css}");
}

#[tokio::test]
async fn what_one_agent_does_to_a_conversation_shows_on_the_other_agents_page_without_reloading() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("bruno", "agent").await;
    instance.add_user("dora", "agent").await;
    let mut tags = Vec::new();
    for (name, color) in [("VIP", "#e11d48"), ("Billing", "#2563eb"), ("Returns", "")] {
        let body = json!({"name": name, "web_inbox_color": color});
        let (status, tag) = instance.configurator().post("/api/v1/tags/", body).await;
        assert_eq!(status, 201, "{tag}");
        tags.push(tag["id"].as_i64().unwrap());
    }
    let vip = tags[0];
    let saved = json!({"text": "Thanks for waiting! Your order is ready for pick-up until 6 pm."});
    let (status, _) = instance
        .signed_in("bruno")
        .await
        .post("/api/v1/saved_responses/", saved)
        .await;
    assert_eq!(status, 201);
    let base = instance.url("");
    let secret = inbound_secret(&instance.spec);
    let now = time_now();
    let older = customer_text(CARLA, "Carla Souza", "Do you ship to Porto?", now - 600);
    deliver(&base, &secret, &older).await;
    let first = customer_text(ANA, "Ana López", "Is my order #1042 ready?", now - 60);
    deliver(&base, &secret, &first).await;

    with_two_browsers(move |bruno, dora| async move {
        sign_in_to_inbox(&bruno, &base, "bruno").await;
        sign_in_to_inbox(&dora, &base, "dora").await;
        // Dora watches Ana's conversation with her list showing only VIP chats: none yet.
        dora.goto(&format!("{base}/inbox/chats/{ANA}?tag={vip}"))
            .await
            .unwrap();
        wait_for_text(&dora, ".chat-list", "No conversations match").await;
        wait_for_text(&dora, ".chat-team", "Unassigned").await;
        mark_page(&dora).await;
        bruno
            .goto(&format!("{base}/inbox/chats/{ANA}"))
            .await
            .unwrap();

        // Bruno tags it VIP, then Billing.
        add_tag(&bruno, tags[0]).await;
        wait_for_text(&bruno, ".chat-team", "VIP").await;
        add_tag(&bruno, tags[1]).await;
        wait_for_text(&bruno, ".chat-team", "Billing").await;

        wait_for_text(&dora, ".chat-team .chat-tags", "VIP").await;
        wait_for_text(&dora, ".chat-team .chat-tags", "Billing").await;
        // Her list, still filtered by VIP, now has Ana's chat with its tags.
        wait_for_text(&dora, ".chat-list", "Ana López").await;
        wait_for_text(&dora, ".chat-list .chat-marks", "VIP").await;

        // Bruno takes it and resolves it.
        click_live(&bruno, "form.assign-me button[type=submit]").await;
        wait_for_text(&bruno, ".chat-team", "Assigned to bruno").await;
        click_live(&bruno, "form.resolve-form button[type=submit]").await;
        wait_for_text(&bruno, ".chat-team", "✓ Resolved").await;

        wait_for_text(&dora, ".chat-team", "Assigned to bruno").await;
        wait_for_text(&dora, ".chat-team", "✓ Resolved").await;
        wait_for_text(&dora, ".chat-team .resolve", "Reopen").await;
        wait_for_text(&dora, ".chat-list .assignee", "bruno").await;
        assert!(
            still_the_same_page(&dora).await,
            "Dora's page was updated in place, not reloaded"
        );
        assert!(dora
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(&format!("?tag={vip}")));
        screenshot(&dora, "20-team-conversation").await;
        click_live(&bruno, "details.assign summary").await;
        wait_for_text(&bruno, "form.assign-form", "Group").await;
        screenshot(&bruno, "24-team-assign-form").await;

        dora.goto(&format!("{base}/inbox/")).await.unwrap();
        wait_for_text(&dora, ".chat-list", "Carla Souza").await;
        screenshot(&dora, "21-team-list").await;
        // Choosing a tag in the filter applies it at once (the script submits its form).
        dora.find(Locator::Css("form.tag-filter select"))
            .await
            .unwrap()
            .select_by_value(&tags[1].to_string())
            .await
            .unwrap();
        wait_for_text(&dora, ".chat-list", "Ana López").await;
        let started = std::time::Instant::now();
        while !dora
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(&format!("/inbox/?tag={}", tags[1]))
        {
            assert!(
                started.elapsed().as_secs() < 10,
                "the tag filter never applied"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let carla_hidden = dora.find(Locator::Css(".chat-list")).await.unwrap();
        assert!(!carla_hidden.text().await.unwrap().contains("Carla Souza"));

        dora.set_window_size(390, 844).await.unwrap();
        screenshot(&dora, "22-team-list-phone").await;
        dora.goto(&format!("{base}/inbox/chats/{ANA}"))
            .await
            .unwrap();
        wait_for_text(&dora, ".chat-team", "✓ Resolved").await;
        screenshot(&dora, "23-team-conversation-phone").await;
        // A saved response chosen goes into the text box, to be edited before it is sent.
        let saved = dora
            .find(Locator::Css("form.saved-form select"))
            .await
            .unwrap();
        let options = saved.find_all(Locator::Css("option")).await.unwrap();
        let value = options[1].attr("value").await.unwrap().unwrap();
        saved.select_by_value(&value).await.unwrap();
        let typed = dora
            .execute(
                "return document.getElementById('composer-body').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            typed,
            json!("Thanks for waiting! Your order is ready for pick-up until 6 pm.")
        );
        let composer_fits = dora
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(composer_fits, json!(true), "nothing overflows at 390px");
        // The chat is bruno's: dora, an agent, is not offered to take it or hand it on.
        let team_bar = dora.find(Locator::Css(".chat-team")).await.unwrap();
        let offered = team_bar.text().await.unwrap();
        assert!(!offered.contains("Assign to me") && !offered.contains("Change assignment"));
        // Bruno, whose chat it is, hands it on from his phone.
        bruno.set_window_size(390, 844).await.unwrap();
        // Opened at desktop width already; whatever happened since, open.
        bruno
            .execute(
                "document.querySelector('details.assign').open = true;",
                vec![],
            )
            .await
            .unwrap();
        wait_for_text(&bruno, "form.assign-form", "Group").await;
        screenshot(&bruno, "25-team-assign-form-phone").await;
        let form_fits = bruno
            .execute(
                "const r = document.querySelector('form.assign-form').getBoundingClientRect(); \
                 return r.left >= 0 && r.right <= window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            form_fits,
            json!(true),
            "the assignment form is on the screen"
        );
        click(&dora, "a.back").await;
        wait_for_path(&dora, "/inbox/").await;
    })
    .await;
}
