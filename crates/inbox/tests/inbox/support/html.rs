//! Reading the pages the way a person would: the text, and the hidden CSRF field of a form.

/// The value of the first `csrf_token` field of the page.
pub fn csrf_token(page: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = page
        .find(marker)
        .expect("the page has a form with a CSRF token")
        + marker.len();
    let end = page[start..].find('"').expect("closing quote");
    page[start..start + end].to_owned()
}

/// Whether the visible text of the page contains `text` (HTML escapes undone for quotes).
pub fn shows(page: &str, text: &str) -> bool {
    page.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .contains(text)
}

/// Asserts the answer's status and that its page shows `text`; answers the page.
pub async fn expect_page(response: reqwest::Response, status: u16, text: &str) -> String {
    let actual = response.status().as_u16();
    let page = response.text().await.expect("a page");
    assert_eq!(actual, status, "status of the page: {page}");
    assert!(shows(&page, text), "{text:?} is not on the page: {page}");
    page
}
