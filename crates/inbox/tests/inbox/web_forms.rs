//! The admin panel and web inbox forms: who may sign in, the seat limit, CSRF and sign-out.

use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::instance::{ADMIN, CONFIGURATOR};
use crate::support::web::{activate, get_text, location, save_password, sign_in};
use crate::support::{browser_client, Instance, Spec, PASSWORD};
use serde_json::json;

/// Adds a user through the admin panel's form.
async fn add_in_panel(
    client: &reqwest::Client,
    instance: &Instance,
    username: &str,
) -> reqwest::Response {
    let panel = get_text(client, instance, "/admin/").await;
    client
        .post(instance.url("/admin/users"))
        .form(&[
            ("username", username),
            ("email", ""),
            ("password", PASSWORD),
            ("role", "agent"),
            ("csrf_token", &csrf_token(&panel)),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_admin_panel_adds_agents_up_to_the_seat_limit_and_then_says_why_not() {
    let instance = Instance::start(Spec {
        seats: 3,
        ..Spec::default()
    })
    .await;
    let admin = activate(&instance, PASSWORD).await;

    for name in ["ana", "bruno"] {
        let added = add_in_panel(&admin, &instance, name).await;
        assert_eq!(location(&added), "/admin/?done=user-added");
    }
    let refused = add_in_panel(&admin, &instance, "carla").await;

    let limit = "Seat limit reached: this instance allows at most 3 users";
    let page = expect_page(refused, 403, limit).await;
    assert!(shows(
        &page,
        "<strong>3</strong> of <strong>3</strong> seats in use"
    ));
}

#[tokio::test]
async fn the_admin_panel_removes_a_user() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let ana = instance.add_user("ana", "agent").await;
    let panel = get_text(&admin, &instance, "/admin/").await;

    let removed = admin
        .post(instance.url(&format!("/admin/users/{}/delete", ana["id"])))
        .form(&[("csrf_token", csrf_token(&panel))])
        .send()
        .await
        .unwrap();

    assert_eq!(location(&removed), "/admin/?done=user-removed");
    let panel = get_text(&admin, &instance, "/admin/").await;
    assert!(!shows(&panel, "<td>ana"));
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let stranger = activate_other_session(&instance).await;
    let strangers_token = csrf_token(&get_text(&stranger, &instance, "/admin/").await);

    for token in ["", "00ff", strangers_token.as_str()] {
        let refused = admin
            .post(instance.url("/admin/users"))
            .form(&[
                ("username", "ana"),
                ("password", PASSWORD),
                ("role", "agent"),
                ("csrf_token", token),
            ])
            .send()
            .await
            .unwrap();
        expect_page(refused, 403, "This form has expired").await;
    }
    let login_without_cookie = reqwest::Client::new()
        .post(instance.url("/admin/login"))
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login_without_cookie.status(), 403);
    let (_, users) = instance.configurator().get("/api/v1/users/").await;
    assert_eq!(users["count"], 2, "nothing was added");
}

/// A second admin session, signed in with the password the admin chose.
async fn activate_other_session(instance: &Instance) -> reqwest::Client {
    let client = browser_client();
    let signed_in = sign_in(&client, instance, "/admin/login", ADMIN, PASSWORD).await;
    assert_eq!(location(&signed_in), "/admin/");
    client
}

#[tokio::test]
async fn the_configurator_cannot_sign_in_to_either_web_area() {
    let instance = Instance::start(Spec::default()).await;

    for login in ["/admin/login", "/inbox/login"] {
        let refused = sign_in(
            &browser_client(),
            &instance,
            login,
            CONFIGURATOR,
            "any password at all",
        )
        .await;
        let page = expect_page(refused, 400, "Unable to log in with provided credentials.").await;
        let echoed = format!("value=\"{CONFIGURATOR}\"");
        assert!(
            !page.contains("configurator") && !page.contains(&echoed),
            "{page}"
        );
    }
}

#[tokio::test]
async fn an_agent_signs_in_to_the_web_inbox_but_not_to_the_admin_panel() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let client = browser_client();

    let admin = sign_in(&client, &instance, "/admin/login", "ana", PASSWORD).await;
    let inbox = sign_in(&client, &instance, "/inbox/login", "ana", PASSWORD).await;

    expect_page(admin, 403, "The admin panel is for admins only").await;
    assert_eq!(location(&inbox), "/inbox/");
    assert!(shows(&get_text(&client, &instance, "/inbox/").await, "ana"));
}

#[tokio::test]
async fn an_agent_past_a_lowered_seat_limit_is_told_why_it_cannot_sign_in() {
    let instance = Instance::start(Spec::default()).await;
    for name in ["ana", "bruno"] {
        instance.add_user(name, "agent").await;
    }
    let lowered = json!({"max_number_of_seats": 2});
    instance
        .platform()
        .put("/api/v1/platform/settings", lowered)
        .await;

    let ana = sign_in(
        &browser_client(),
        &instance,
        "/inbox/login",
        "ana",
        PASSWORD,
    )
    .await;
    let bruno = sign_in(
        &browser_client(),
        &instance,
        "/inbox/login",
        "bruno",
        PASSWORD,
    )
    .await;

    assert_eq!(location(&ana), "/inbox/");
    expect_page(
        bruno,
        403,
        "Your account is over the seat limit of this instance (2 users",
    )
    .await;
}

#[tokio::test]
async fn the_web_sign_in_pauses_after_five_failures_and_says_so() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    let client = browser_client();
    for _ in 0..5 {
        let failed = sign_in(&client, &instance, "/inbox/login", "ana", "wrong password").await;
        expect_page(failed, 400, "Unable to log in with provided credentials.").await;
    }

    let locked = sign_in(&client, &instance, "/inbox/login", "ana", PASSWORD).await;

    let wait = "Too many failed sign-in attempts. Try again in 15 minutes.";
    let page = expect_page(locked, 429, wait).await;
    assert!(shows(
        &page,
        "After 5 failed attempts, sign-in is paused for 15 minutes."
    ));
}

#[tokio::test]
async fn signing_out_of_the_inbox_ends_only_the_inbox_session() {
    let instance = Instance::start(Spec::default()).await;
    let client = activate(&instance, PASSWORD).await;
    sign_in(&client, &instance, "/inbox/login", ADMIN, PASSWORD).await;
    let inbox = get_text(&client, &instance, "/inbox/").await;

    let out = client
        .post(instance.url("/inbox/logout"))
        .form(&[("csrf_token", csrf_token(&inbox))])
        .send()
        .await
        .unwrap();

    assert_eq!(location(&out), "/inbox/login");
    let inbox = client.get(instance.url("/inbox/")).send().await.unwrap();
    assert_eq!(location(&inbox), "/inbox/login");
    let panel = client.get(instance.url("/admin/")).send().await.unwrap();
    assert_eq!(panel.status(), 200, "the admin panel session is separate");
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_origin_is_https() {
    let instance = Instance::start(Spec {
        public_origin: "https://acme.inbox.example.com".into(),
        ..Spec::default()
    })
    .await;

    let opened = save_password(&browser_client(), &instance, PASSWORD, PASSWORD).await;

    let cookie = opened
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
