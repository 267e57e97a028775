//! Headless Chromium driven over WebDriver (chromedriver), one browser per test, one test at a
//! time: two cores cannot run several Chromiums and the instances' tests at once. Shared by the
//! inbox's own browser tests and the end-to-end tests of the control plane.

pub mod missing;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Whether Chromium and chromedriver are here; if not, skips or fails as [`missing`] says.
fn browser_installed() -> bool {
    let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !installed {
        missing::skip_unless_ci(&format!(
            "browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        ));
    }
    installed
}

/// Runs `walk` in a fresh headless Chromium; closes the browser even when `walk` panics, then
/// passes the panic on. Without Chromium and chromedriver it says why and returns (fails under
/// `CI=true`, see [`missing`]).
pub async fn with_browser<F, Fut>(walk: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !browser_installed() {
        return;
    }
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let (mut driver, port) = start_driver().await;
    let client = connect(port, profile.path()).await;
    let outcome = tokio::spawn(walk(client.clone())).await;
    let _ = client.close().await;
    let _ = driver.kill().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Runs `walk` with two fresh headless Chromiums, each with its own profile (its own cookies):
/// two people at once. Closes both even when `walk` panics, then passes the panic on.
pub async fn with_two_browsers<F, Fut>(walk: F)
where
    F: FnOnce(Client, Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !browser_installed() {
        return;
    }
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    let (mut driver, port) = start_driver().await;
    let first = connect(port, profiles[0].path()).await;
    let second = connect(port, profiles[1].path()).await;
    let outcome = tokio::spawn(walk(first.clone(), second.clone())).await;
    let _ = first.close().await;
    let _ = second.close().await;
    let _ = driver.kill().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

async fn start_driver() -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "chromedriver never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (driver, port)
}

async fn connect(port: u16, profile: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ]
    .map(String::from)
    .into_iter()
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let capabilities = json!({"goog:chromeOptions": {"binary": CHROMIUM, "args": args}});
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

/// Waits up to 10 s for an element.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

/// Waits up to 10 s until an element shows `text`: the page after a click, not the one before.
pub async fn wait_for_text(client: &Client, css: &str, text: &str) -> String {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(shown) = element.text().await {
                if shown.contains(text) {
                    return shown;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} never showed {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits up to 10 s until the browser is at `path`.
pub async fn wait_for_path(client: &Client, path: &str) {
    let started = Instant::now();
    while path_of(client).await != path {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never reached {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.expect("a click");
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .expect("typing");
}

/// Saves a PNG of the page as `<target>/screenshots/<name>.png`, for a person to look at;
/// `target_tmpdir` is the calling test's `CARGO_TARGET_TMPDIR` (`<target>/tmp`).
pub async fn screenshot(client: &Client, target_tmpdir: &str, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    let dir = screenshots_dir(target_tmpdir);
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

fn screenshots_dir(target_tmpdir: &str) -> PathBuf {
    Path::new(target_tmpdir)
        .parent()
        .expect("a target dir")
        .join("screenshots")
}

/// Marks the page, so that a reload (which loses the mark) is noticed by [`still_the_same_page`].
pub async fn mark_page(client: &Client) {
    client
        .execute("window.notReloaded = true;", vec![])
        .await
        .expect("a script runs");
}

pub async fn still_the_same_page(client: &Client) -> bool {
    let marked = client
        .execute("return window.notReloaded === true;", vec![])
        .await
        .expect("a script runs");
    marked == json!(true)
}

pub async fn path_of(client: &Client) -> String {
    client.current_url().await.expect("a URL").path().to_owned()
}
