//! A person's steps on the pages, over HTTP with a cookie-keeping client.

use super::html::csrf_token;
use super::{browser_client, Instance};
use reqwest::{Client, Response};

/// Opens the activation link, chooses `password` and saves it: the admin lands in the panel.
pub async fn activate(instance: &Instance, password: &str) -> Client {
    let client = browser_client();
    let opened = client.get(instance.activation_url()).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    let saved = save_password(&client, instance, password, password).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/admin/?done=password-saved");
    client
}

/// Sends the set-password form with the token of the page.
pub async fn save_password(
    client: &Client,
    instance: &Instance,
    password: &str,
    confirmation: &str,
) -> Response {
    let page = get_text(client, instance, "/admin/set-password").await;
    client
        .post(instance.url("/admin/set-password"))
        .form(&[
            ("password", password),
            ("password_confirmation", confirmation),
            ("csrf_token", &csrf_token(&page)),
        ])
        .send()
        .await
        .unwrap()
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
