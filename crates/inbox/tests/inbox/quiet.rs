//! A quiet instance gives back the code pages it faulted in, and answers its next request as
//! before.

use crate::support::{Instance, Spec};
use std::time::{Duration, Instant};

/// Resident KiB of the process that are pages of files (its binary and libraries), not its data.
fn file_backed_kib(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).expect("smaps");
    let field = |name: &str| -> u64 {
        rollup
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect(name)
    };
    field("Rss:") - field("Anonymous:")
}

/// The health answer, a stylesheet (bytes of the binary itself) and the API's refusal.
async fn pages(http: &reqwest::Client, instance: &Instance) -> Vec<(u16, String)> {
    let mut answers = Vec::new();
    for path in [
        "/api/v1/status/health",
        "/assets/inbox.css",
        "/api/v1/chats/",
    ] {
        let answer = http.get(instance.url(path)).send().await.expect(path);
        answers.push((answer.status().as_u16(), answer.text().await.expect(path)));
    }
    answers
}

#[tokio::test]
async fn a_quiet_instance_gives_its_code_pages_back_and_answers_the_next_request_as_before() {
    let instance = Instance::start(Spec::default()).await;
    let http = reqwest::Client::new();
    let first = pages(&http, &instance).await;
    assert_eq!(
        first.iter().map(|(status, _)| *status).collect::<Vec<_>>(),
        [200, 200, 401]
    );
    let serving = file_backed_kib(instance.pid());

    let deadline = Instant::now() + Duration::from_secs(15);
    let mut quiet = serving;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        quiet = file_backed_kib(instance.pid());
        if quiet < serving / 2 {
            break;
        }
    }
    assert!(
        quiet < serving / 2,
        "code and libraries resident after a quiet spell: {quiet} KiB, while serving {serving} KiB"
    );

    eprintln!("file-backed resident: {serving} KiB serving, {quiet} KiB quiet");
    let again = pages(&http, &instance).await;
    assert_eq!(again, first, "the same answers after the pages came back");
    assert!(
        file_backed_kib(instance.pid()) > quiet,
        "serving maps the code again"
    );
}
