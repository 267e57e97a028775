//! A person's steps on the pages, over HTTP with a cookie-keeping client.

use super::html::csrf_token;
use super::{browser_client, Instance};
use reqwest::{Client, Response};

/// Opens the activation link, chooses `password` and saves it: the admin lands in the panel.
pub async fn activate(instance: &Instance, password: &str) -> Client {
    let client = browser_client();
    let saved = save_password(&client, instance, password, password).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/admin/?done=password-saved");
    client
}

/// Opens the activation link and sends its set-password form as a browser would.
pub async fn save_password(
    client: &Client,
    instance: &Instance,
    password: &str,
    confirmation: &str,
) -> Response {
    let opened = client.get(instance.activation_url()).send().await.unwrap();
    let page = opened.text().await.unwrap();
    client
        .post(instance.url("/confirm_account"))
        .form(&[
            ("c", hidden_code(&page).as_str()),
            ("password", password),
            ("password_confirmation", confirmation),
        ])
        .send()
        .await
        .unwrap()
}

/// The activation code the set-password page carries in its form.
pub fn hidden_code(page: &str) -> String {
    let marker = r#"name="c" value=""#;
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no code in {page}"))
        + marker.len();
    page[start..][..page[start..].find('"').unwrap()].to_owned()
}

/// Signs in on `/admin/login` or `/inbox/login` with the page's form token.
pub async fn sign_in(
    client: &Client,
    instance: &Instance,
    login_path: &str,
    username: &str,
    password: &str,
) -> Response {
    let page = get_text(client, instance, login_path).await;
    client
        .post(instance.url(login_path))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", &csrf_token(&page)),
        ])
        .send()
        .await
        .unwrap()
}

pub async fn get_text(client: &Client, instance: &Instance, path: &str) -> String {
    client
        .get(instance.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub fn location(response: &Response) -> &str {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
}

/// Opens the activation link in a fresh browser.
pub async fn open_activation_link(instance: &Instance) -> Response {
    let client = browser_client();
    client.get(instance.activation_url()).send().await.unwrap()
}
