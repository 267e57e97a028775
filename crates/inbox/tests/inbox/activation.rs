//! The activation link of the documentation, over HTTP: code → clean address → SAVE → admin
//! panel → web inbox.

use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{time_now, ADMIN};
use crate::support::web::{
    activate, get_text, hidden_code, location, open_activation_link, save_password, sign_in,
};
use crate::support::{browser_client, token_for, Instance, Spec, PASSWORD};

#[tokio::test]
async fn the_link_shows_the_password_form_and_looking_at_it_changes_nothing() {
    let instance = Instance::start(Spec::default()).await;

    let opened = open_activation_link(&instance).await;
    assert_eq!(opened.status(), 200);
    assert!(
        opened.headers().get("set-cookie").is_none(),
        "no session before a password"
    );
    assert_eq!(opened.headers()["referrer-policy"], "no-referrer");
    let page = opened.text().await.unwrap();
    assert!(shows(&page, "Set your password"));
    assert!(shows(&page, "At least 10 characters."));
    assert!(shows(&page, ">SAVE<"));
    assert!(shows(&page, r#"action="/confirm_account""#));
    for _ in 0..3 {
        let again = open_activation_link(&instance).await;
        assert_eq!(again.status(), 200, "a mail scanner's visit spends nothing");
    }

    let client = activate(&instance, PASSWORD).await;
    let panel = get_text(&client, &instance, "/admin/?done=password-saved").await;
    assert!(shows(&panel, "Your password is saved"));
}

#[tokio::test]
async fn saving_signs_the_admin_in_with_a_session_cookie() {
    let instance = Instance::start(Spec::default()).await;
    let client = browser_client();

    let saved = save_password(&client, &instance, PASSWORD, PASSWORD).await;

    assert_eq!(saved.status(), 303);
    let cookie = saved.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("admin_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "http origin: {cookie}");
}

#[tokio::test]
async fn a_form_posted_without_the_links_code_sets_no_password() {
    let instance = Instance::start(Spec::default()).await;

    for code in ["", "a0a08b0e-f79c-4ec7-bbd4-a1697502bff0"] {
        let posted = browser_client()
            .post(instance.url("/confirm_account"))
            .form(&[
                ("c", code),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        expect_page(posted, 404, "Invalid link").await;
    }

    assert_eq!(token_for(&instance, ADMIN, PASSWORD).await.status(), 400);
    assert_eq!(open_activation_link(&instance).await.status(), 200);
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

    let short = save_password(&client, &instance, "short", "short").await;
    let page = expect_page(short, 400, "at least 10 characters").await;
    assert_eq!(
        hidden_code(&page),
        hidden_code(&open_activation_link(&instance).await.text().await.unwrap()),
        "the form comes back with the code, to try again"
    );
    let mismatch = save_password(&client, &instance, PASSWORD, "another password").await;
    expect_page(mismatch, 400, "The two passwords do not match.").await;

    let panel = client.get(instance.url("/admin/")).send().await.unwrap();
    assert_eq!(
        location(&panel),
        "/admin/login",
        "no panel before a password"
    );
    assert_eq!(token_for(&instance, ADMIN, PASSWORD).await.status(), 400);
    activate(&instance, PASSWORD).await;
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

#[tokio::test]
async fn a_fresher_link_replaces_an_unused_one() {
    let instance = Instance::start(Spec::default()).await;
    let old_code = instance.activation_code.clone();
    let rewritten = Spec {
        activation_round: 2,
        ..instance.spec.clone()
    };

    let instance = instance.restart_with(rewritten).await;

    let old_link = instance.url(&format!("/confirm_account?c={old_code}"));
    let old = browser_client().get(old_link).send().await.unwrap();
    expect_page(old, 404, "Invalid link").await;
    activate(&instance, PASSWORD).await;
}

#[tokio::test]
async fn of_two_saves_with_one_link_only_the_first_sets_the_password() {
    let instance = Instance::start(Spec::default()).await;
    let (first, second) = (browser_client(), browser_client());

    let (a, b) = tokio::join!(
        save_password(
            &first,
            &instance,
            "the first password",
            "the first password"
        ),
        save_password(
            &second,
            &instance,
            "the second password",
            "the second password"
        ),
    );

    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 410]);
    let winner = if a.status() == 303 {
        "the first password"
    } else {
        "the second password"
    };
    let loser = if a.status() == 303 {
        "the second password"
    } else {
        "the first password"
    };
    assert_eq!(token_for(&instance, ADMIN, winner).await.status(), 200);
    assert_eq!(token_for(&instance, ADMIN, loser).await.status(), 400);
}
