//! The admin panel's tags page: a person adds, renames, recolours and deletes tags in forms.

use crate::support::html::{csrf_token, expect_page, shows};
use crate::support::web::{activate, get_text, location};
use crate::support::{Instance, Spec, PASSWORD};
use reqwest::{Client, Response};
use serde_json::Value;

/// Sends a form of the tags page with the page's CSRF token.
async fn send(
    admin: &Client,
    instance: &Instance,
    action: &str,
    fields: &[(&str, &str)],
) -> Response {
    let page = get_text(admin, instance, "/admin/tags").await;
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

async fn tags(instance: &Instance) -> Vec<Value> {
    let (_, page) = instance.configurator().get("/api/v1/tags/").await;
    page["results"].as_array().expect("results").clone()
}

#[tokio::test]
async fn the_admin_adds_renames_recolours_and_deletes_a_tag_in_the_panel() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let panel = get_text(&admin, &instance, "/admin/").await;
    assert!(
        shows(&panel, r#"href="/admin/tags""#),
        "the panel links to the tags page"
    );

    let added = send(
        &admin,
        &instance,
        "/admin/tags",
        &[("name", "Call back"), ("web_inbox_color", "#FF8800")],
    )
    .await;
    assert_eq!(location(&added), "/admin/tags?done=tag-added");
    let page = get_text(&admin, &instance, "/admin/tags?done=tag-added").await;
    assert!(shows(&page, "The tag was added."));
    assert!(shows(&page, r#"value="Call back""#), "{page}");
    assert!(
        shows(&page, r##"fill="#ff8800""##),
        "a dot in the tag's colour: {page}"
    );
    let tag = &tags(&instance).await[0];
    assert_eq!(
        (&tag["name"], &tag["web_inbox_color"]),
        (&"Call back".into(), &"#ff8800".into())
    );

    let path = format!("/admin/tags/{}", tag["id"]);
    let saved = send(
        &admin,
        &instance,
        &path,
        &[("name", "Call back today"), ("web_inbox_color", "#0000ff")],
    )
    .await;
    assert_eq!(location(&saved), "/admin/tags?done=tag-saved");
    let tag = &tags(&instance).await[0];
    assert_eq!(
        (&tag["name"], &tag["web_inbox_color"]),
        (&"Call back today".into(), &"#0000ff".into())
    );

    let deleted = send(&admin, &instance, &format!("{path}/delete"), &[]).await;
    assert_eq!(location(&deleted), "/admin/tags?done=tag-deleted");
    assert!(tags(&instance).await.is_empty());
}

#[tokio::test]
async fn a_taken_name_or_a_colour_that_is_not_hex_is_refused_and_script_in_a_name_is_text() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;
    let script = "<script>alert(1)</script>";
    let added = send(
        &admin,
        &instance,
        "/admin/tags",
        &[("name", script), ("web_inbox_color", "#000000")],
    )
    .await;
    assert_eq!(added.status(), 303);

    let taken = send(
        &admin,
        &instance,
        "/admin/tags",
        &[
            ("name", "<SCRIPT>alert(1)</SCRIPT>"),
            ("web_inbox_color", "#000000"),
        ],
    )
    .await;
    let page = expect_page(taken, 400, "A tag with this name already exists.").await;
    assert!(!page.contains(script), "a name is shown as text: {page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    let bad_colour = send(
        &admin,
        &instance,
        "/admin/tags",
        &[
            ("name", "Red"),
            ("web_inbox_color", "red;background:url(//evil)"),
        ],
    )
    .await;
    let page = expect_page(bad_colour, 400, "Enter a colour as #rgb or #rrggbb").await;
    assert!(!page.contains("url(//evil)"), "{page}");
    let id = tags(&instance).await[0]["id"].clone();
    let rename = send(
        &admin,
        &instance,
        &format!("/admin/tags/{id}"),
        &[("name", " "), ("web_inbox_color", "#000000")],
    )
    .await;
    expect_page(
        rename,
        400,
        "The tag was not saved: This field may not be blank.",
    )
    .await;

    assert_eq!(tags(&instance).await.len(), 1, "nothing else was added");
    assert_eq!(
        tags(&instance).await[0]["name"],
        script,
        "nothing was renamed"
    );
}

#[tokio::test]
async fn tag_forms_need_the_pages_csrf_token_and_an_admin_session() {
    let instance = Instance::start(Spec::default()).await;
    let admin = activate(&instance, PASSWORD).await;

    let forged = admin
        .post(instance.url("/admin/tags"))
        .form(&[
            ("name", "Forged"),
            ("web_inbox_color", "#000000"),
            ("csrf_token", "00ff"),
        ])
        .send()
        .await
        .unwrap();
    expect_page(forged, 403, "This form has expired").await;
    let stranger = crate::support::browser_client()
        .get(instance.url("/admin/tags"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&stranger), "/admin/login");
    assert!(tags(&instance).await.is_empty());
}
