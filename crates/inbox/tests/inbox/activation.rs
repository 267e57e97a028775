//! The activation link of the documentation, over HTTP: code → clean address → SAVE → admin
//! panel → web inbox.

use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{time_now, ADMIN};
use crate::support::web::{
    activate, get_text, location, open_activation_link, save_password, sign_in,
};
use crate::support::{browser_client, token_for, Instance, Spec, PASSWORD};

#[tokio::test]
async fn the_link_signs_the_admin_in_and_moves_to_an_address_without_the_code() {
    let instance = Instance::start(Spec::default()).await;
    let client = browser_client();

    let opened = client.get(instance.activation_url()).send().await.unwrap();

    assert_eq!(opened.status(), 303);
    assert_eq!(location(&opened), "/admin/set-password");
    let cookie = opened
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("admin_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "http origin: {cookie}");
    let page = get_text(&client, &instance, "/admin/set-password").await;
    assert!(shows(&page, "Set your password"));
    assert!(shows(&page, "At least 10 characters."));
    assert!(shows(&page, ">SAVE<"));
}

#[tokio::test]
async fn saving_the_password_opens_the_admin_panel_which_leads_to_the_web_inbox() {
    let instance = Instance::start(Spec::default()).await;

    let client = activate(&instance, PASSWORD).await;

    let panel = get_text(&client, &instance, "/admin/?done=password-saved").await;
    assert!(shows(&panel, "Your password is saved"));
    assert!(shows(&panel, &instance.spec.instance_id));
    assert!(shows(&panel, r#"<a href="/inbox/">Go to Web Inbox</a>"#));
    let inbox = client.get(instance.url("/inbox/")).send().await.unwrap();
    assert_eq!(
        location(&inbox),
        "/inbox/login",
        "the web inbox has its own sign-in"
    );
    let signed_in = sign_in(&client, &instance, "/inbox/login", ADMIN, PASSWORD).await;
    assert_eq!(location(&signed_in), "/inbox/");
    let inbox = get_text(&client, &instance, "/inbox/").await;
    assert!(shows(&inbox, "No conversations yet"));
    assert!(shows(&inbox, ADMIN));
    assert!(shows(
        &inbox,
        "<strong>1</strong> of <strong>5</strong> seats in use"
    ));
    assert_eq!(token_for(&instance, ADMIN, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_link_works_once_and_then_points_to_the_sign_in_page() {
    let instance = Instance::start(Spec::default()).await;
    activate(&instance, PASSWORD).await;

    let again = open_activation_link(&instance).await;

    let page = expect_page(again, 410, "This link was already used").await;
    assert!(shows(&page, r#"href="/admin/login""#));
}

#[tokio::test]
async fn an_expired_link_says_it_expired() {
    let instance = Instance::start(Spec {
        activation_expires_at: time_now() - 1,
        ..Spec::default()
    })
    .await;

    let opened = open_activation_link(&instance).await;

    expect_page(opened, 410, "This link has expired").await;
}

#[tokio::test]
async fn an_unknown_code_is_an_invalid_link() {
    let instance = Instance::start(Spec::default()).await;

    for path in [
        "/confirm_account?c=a0a08b0e-f79c-4ec7-bbd4-a1697502bff0",
        "/confirm_account",
    ] {
        let opened = browser_client()
            .get(instance.url(path))
            .send()
            .await
            .unwrap();
        expect_page(opened, 404, "Invalid link").await;
    }
}

#[tokio::test]
async fn a_short_or_mismatched_password_is_explained_and_not_saved() {
    let instance = Instance::start(Spec::default()).await;
    let client = browser_client();
    client.get(instance.activation_url()).send().await.unwrap();

    let short = save_password(&client, &instance, "short", "short").await;
    expect_page(short, 400, "at least 10 characters").await;
    let mismatch = save_password(&client, &instance, PASSWORD, "another password").await;
    expect_page(mismatch, 400, "The two passwords do not match.").await;

    let panel = client.get(instance.url("/admin/")).send().await.unwrap();
    assert_eq!(
        location(&panel),
        "/admin/set-password",
        "no panel before a password"
    );
    assert_eq!(token_for(&instance, ADMIN, PASSWORD).await.status(), 400);
}

#[tokio::test]
async fn a_new_code_in_a_rewritten_bootstrap_file_can_be_used_once_more() {
    let instance = Instance::start(Spec::default()).await;
    activate(&instance, PASSWORD).await;
    let rewritten = Spec {
        activation_round: 2,
        ..instance.spec.clone()
    };

    let instance = instance.restart_with(rewritten).await;

    let client = activate(&instance, "a brand new password").await;
    let panel = get_text(&client, &instance, "/admin/").await;
    assert!(!csrf_token(&panel).is_empty());
    assert_eq!(
        token_for(&instance, ADMIN, "a brand new password")
            .await
            .status(),
        200
    );
}
