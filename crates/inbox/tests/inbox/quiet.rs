//! A quiet instance gives back the code pages it faulted in, and answers its next request as
//! before.

use crate::support::instance::memory;
use crate::support::{Instance, Spec};
use std::time::{Duration, Instant};

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
    let serving = memory(&instance).file;

    let deadline = Instant::now() + Duration::from_secs(15);
    let mut quiet = memory(&instance);
    while quiet.file >= serving / 2.0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        quiet = memory(&instance);
    }
    assert!(
        quiet.file < serving / 2.0,
        "code and libraries resident after a quiet spell: {:.1} MiB, while serving {serving:.1} MiB",
        quiet.file
    );

    eprintln!(
        "quiet: {:.1} MiB resident, {:.1} MiB its own, {:.1} MiB files ({serving:.1} MiB while serving)",
        quiet.rss, quiet.anon, quiet.file
    );
    let again = pages(&http, &instance).await;
    assert_eq!(again, first, "the same answers after the pages came back");
    assert!(
        memory(&instance).file > quiet.file,
        "serving maps the code again"
    );
}
