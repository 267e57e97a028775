//! The documented activation, in a real headless Chromium: a person's clicks, and a screenshot
//! of each page in `<target>/screenshots/`. Every step after a click waits for what the next page
//! shows, never for something the page before could also show.

use crate::support::browser::{
    click, path_of, screenshot, type_into, wait_for, wait_for_path, wait_for_text, with_browser,
};
use crate::support::instance::ADMIN;
use crate::support::{Instance, Spec, PASSWORD};
use fantoccini::{Client, Locator};

async fn activate_in_browser(client: &Client, activation_url: &str) {
    client.goto(activation_url).await.unwrap();
    wait_for(client, "input[name=password_confirmation]").await;
    screenshot(client, "01-set-password").await;
    type_into(client, "input[name=password]", PASSWORD).await;
    type_into(client, "input[name=password_confirmation]", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for_text(client, ".notice.success", "Your password is saved").await;
}

#[tokio::test]
async fn an_admin_activates_the_inbox_and_reaches_the_web_inbox_in_a_browser() {
    let instance = Instance::start(Spec::default()).await;
    let activation_url = instance.activation_url();
    let inbox_login = instance.url("/inbox/login");

    with_browser(move |client| async move {
        activate_in_browser(&client, &activation_url).await;
        assert_eq!(path_of(&client).await, "/admin/");
        screenshot(&client, "02-admin-panel").await;

        click(&client, "details.menu summary").await;
        screenshot(&client, "03-admin-menu").await;
        let go = client
            .find(Locator::LinkText("Go to Web Inbox"))
            .await
            .unwrap();
        go.click().await.unwrap();
        wait_for_path(&client, "/inbox/login").await;
        assert_eq!(client.current_url().await.unwrap().as_str(), inbox_login);
        screenshot(&client, "04-inbox-login").await;

        type_into(&client, "input[name=username]", ADMIN).await;
        type_into(&client, "input[name=password]", PASSWORD).await;
        click(&client, "button[type=submit]").await;
        wait_for_text(&client, ".signed-in-user", ADMIN).await;
        wait_for_text(&client, ".seats-text", "1 of 5 seats in use").await;
        wait_for_text(&client, ".inbox-list", "No conversations yet").await;
        screenshot(&client, "05-web-inbox").await;
        client.set_window_size(390, 844).await.unwrap();
        screenshot(&client, "06-web-inbox-phone").await;
        client.set_window_size(1280, 900).await.unwrap();

        client.goto(&activation_url).await.unwrap();
        wait_for_text(&client, "h1", "This link was already used").await;
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
            click(&client, "form[action='/admin/users'] button").await;
            if name != "carla" {
                wait_for_text(&client, ".notice.success", "The user was added.").await;
                wait_for_text(&client, "table", name).await;
            }
        }

        let limit = "Seat limit reached: this instance allows at most 3 users";
        wait_for_text(&client, ".notice.error", limit).await;
        wait_for_text(&client, ".seats-text", "3 of 3 seats in use").await;
        screenshot(&client, "08-seat-limit").await;

        click(&client, "form[action$='/delete'] button").await;
        wait_for_text(&client, ".notice.success", "The user was removed.").await;
        wait_for_text(&client, ".seats-text", "2 of 3 seats in use").await;
        screenshot(&client, "09-user-removed").await;
    })
    .await;
}
