//! The shared Chromium support, with screenshots saved under this build's target directory.

pub use chromium_test::{
    click, mark_page, path_of, still_the_same_page, type_into, wait_for, wait_for_path,
    wait_for_text, with_browser, with_two_browsers,
};

pub async fn screenshot(client: &fantoccini::Client, name: &str) {
    chromium_test::screenshot(client, env!("CARGO_TARGET_TMPDIR"), name).await;
}
