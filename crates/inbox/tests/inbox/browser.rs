//! The documented activation, in a real headless Chromium: a person's clicks, and a screenshot
//! of each page in `<target>/screenshots/`.

use crate::support::browser::{path_of, screenshot, type_into, wait_for, with_browser};
use crate::support::instance::ADMIN;
use crate::support::{Instance, Spec, PASSWORD};
use fantoccini::{Client, Locator};

async fn activate_in_browser(client: &Client, activation_url: &str) {
    client.goto(activation_url).await.unwrap();
    wait_for(client, "input[name=password_confirmation]").await;
    assert_eq!(
        path_of(client).await,
        "/admin/set-password",
        "the code left the address bar"
    );
    screenshot(client, "01-set-password").await;
    type_into(client, "input[name=password]", PASSWORD).await;
    type_into(client, "input[name=password_confirmation]", PASSWORD).await;
    wait_for(client, "button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, ".notice.success").await;
}

#[tokio::test]
async fn an_admin_activates_the_inbox_and_reaches_the_web_inbox_in_a_browser() {
    let instance = Instance::start(Spec::default()).await;
    let activation_url = instance.activation_url();
    let inbox_login = instance.url("/inbox/login");

    with_browser(move |client| async move {
        activate_in_browser(&client, &activation_url).await;
        assert_eq!(path_of(&client).await, "/admin/");
        let saved = wait_for(&client, ".notice.success")
            .await
            .text()
            .await
            .unwrap();
        assert!(saved.contains("Your password is saved"), "{saved}");
        screenshot(&client, "02-admin-panel").await;

        wait_for(&client, "details.menu summary")
            .await
            .click()
            .await
            .unwrap();
        screenshot(&client, "03-admin-menu").await;
        client
            .find(Locator::LinkText("Go to Web Inbox"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "input[name=username]").await;
        assert_eq!(client.current_url().await.unwrap().as_str(), inbox_login);
        screenshot(&client, "04-inbox-login").await;

        type_into(&client, "input[name=username]", ADMIN).await;
        type_into(&client, "input[name=password]", PASSWORD).await;
        wait_for(&client, "button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        let who = wait_for(&client, ".signed-in-user")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(who, ADMIN);
        let seats = wait_for(&client, ".seats-text").await.text().await.unwrap();
        assert_eq!(seats, "1 of 5 seats in use");
        assert!(client
            .source()
            .await
            .unwrap()
            .contains("No conversations yet"));
        screenshot(&client, "05-web-inbox").await;
        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "06-web-inbox-phone").await;
        client.set_window_size(1280, 900).await.unwrap();

        client.goto(&activation_url).await.unwrap();
        let title = wait_for(&client, "h1").await.text().await.unwrap();
        assert_eq!(title, "This link was already used");
        client
            .find(Locator::LinkText("Go to the sign-in page"))
            .await
            .unwrap();
        screenshot(&client, "07-link-already-used").await;
    })
    .await;
}

#[tokio::test]
async fn the_admin_panel_in_a_browser_adds_agents_until_the_seat_limit_says_no() {
    let instance = Instance::start(Spec {
        seats: 3,
        ..Spec::default()
    })
    .await;
    let activation_url = instance.activation_url();

    with_browser(move |client| async move {
        activate_in_browser(&client, &activation_url).await;
        for name in ["ana", "bruno", "carla"] {
            type_into(&client, "input[name=username]", name).await;
            type_into(&client, "input[name=password]", PASSWORD).await;
            client
                .find(Locator::Css("form[action='/admin/users'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for(&client, ".notice").await;
        }

        let refusal = wait_for(&client, ".notice.error")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            refusal.contains("Seat limit reached: this instance allows at most 3 users"),
            "{refusal}"
        );
        let seats = wait_for(&client, ".seats-text").await.text().await.unwrap();
        assert_eq!(seats, "3 of 3 seats in use");
        screenshot(&client, "08-seat-limit").await;

        client
            .find(Locator::Css("form[action$='/delete'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let removed = wait_for(&client, ".notice.success")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(removed, "The user was removed.");
        let seats = wait_for(&client, ".seats-text").await.text().await.unwrap();
        assert_eq!(seats, "2 of 3 seats in use");
        screenshot(&client, "09-user-removed").await;
    })
    .await;
}
