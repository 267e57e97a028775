//! The business profile: the instance reads and changes it at the emulated 360Dialog, which
//! keeps it per channel, and refuses a change while 360Dialog is down.

use super::Inbox;
use crate::on_both_backends;
use crate::support::{json, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(the_business_profile_is_changed_at_360dialog_through_the_instance);

const PROFILE: &str = "/api/v1/settings/business/profile/";

async fn patch(inbox: &Inbox<'_>, body: Value) -> (u16, Value) {
    let request = inbox.request(Method::PATCH, PROFILE).json(&body);
    json(request.send().await.unwrap()).await
}

async fn the_business_profile_is_changed_at_360dialog_through_the_instance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inbox = Inbox::ready(&app, "profile", "ProfileCH").await;

    let (status, profile) = inbox.get(PROFILE).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["vertical"], "UNDEFINED");
    assert_eq!(profile["websites"], json!([]));

    let change = json!({"about": "Open 9 to 5", "vertical": "RETAIL",
                        "websites": ["https://shop.example"], "email": "hi@shop.example"});
    let (status, changed) = patch(&inbox, change).await;
    assert_eq!(status, 200, "{changed}");
    let (_, read_back) = inbox.get(PROFILE).await;
    assert_eq!(read_back, changed);
    assert_eq!(read_back["about"], "Open 9 to 5");
    assert_eq!(read_back["websites"], json!(["https://shop.example"]));
    assert_eq!(read_back["email"], "hi@shop.example");

    let (status, errors) = patch(&inbox, json!({"websites": ["shop.example"]})).await;
    assert_eq!(status, 400, "{errors}");
    assert!(errors["websites"][0].is_string(), "{errors}");

    inbox.outage(60).await;
    let (status, refused) = patch(&inbox, json!({"about": "Closed"})).await;
    assert_eq!(status, 503, "{refused}");
    assert!(refused["detail"].as_str().unwrap().contains("360Dialog"));
    assert_eq!(inbox.get(PROFILE).await, (200, read_back));
    app.stop().await;
}
