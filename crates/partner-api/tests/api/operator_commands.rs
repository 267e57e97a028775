use crate::support::{json, partner_api_bin, Backend, TestApp};
use serde_json::json;
use std::process::Output;

fn run(app: &TestApp, args: &[&str]) -> Output {
    let output = std::process::Command::new(partner_api_bin())
        .args(app.cli_args())
        .args(args)
        .output()
        .expect("partner-api runs");
    output
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn last_word(text: &str) -> String {
    text.split_whitespace().last().unwrap().to_owned()
}

async fn keys_made_and_revoked_by_the_operator_take_effect_while_serve_runs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let added = stdout(&run(&app, &["partners", "add", "acme"]));
    let first_key = last_word(&added);
    assert!(first_key.starts_with("pak_"), "{added}");
    assert_eq!(
        json(app.get("/v1/partner_id", &first_key).await).await,
        (200, json!({"partner_id": "acme"}))
    );

    let second_key = last_word(&stdout(&run(&app, &["keys", "add", "acme"])));
    assert_ne!(first_key, second_key);
    let listing = stdout(&run(&app, &["keys", "list", "acme"]));
    assert!(
        !listing.contains(&first_key) && !listing.contains(&second_key),
        "keys are never listed"
    );

    let revoked = stdout(&run(&app, &["keys", "revoke", &first_key[..12]]));
    assert!(revoked.starts_with("revoked key_"), "{revoked}");
    assert_eq!(
        app.get("/v1/partner_id", &first_key).await.status(),
        401,
        "revoked at once"
    );
    assert_eq!(
        app.get("/v1/partner_id", &second_key).await.status(),
        200,
        "the other key still works"
    );

    let partners = stdout(&run(&app, &["partners", "list"]));
    assert!(
        partners.lines().any(|l| l.starts_with("acme ")),
        "{partners}"
    );
    assert!(
        partners.lines().any(|l| l.starts_with("sandbox ")),
        "{partners}"
    );
    app.stop().await;
}

async fn operator_mistakes_are_refused_with_a_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    stdout(&run(&app, &["partners", "add", "acme"]));
    for args in [
        &["partners", "add", "acme"][..],
        &["partners", "add", "bad id"][..],
        &["keys", "add", "nobody"][..],
        &["keys", "revoke", "pak_nothing"][..],
    ] {
        let output = run(&app, args);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).starts_with("error: "),
            "{args:?}"
        );
    }
    app.stop().await;
}

async fn the_sandbox_key_command_prints_a_key_that_deploys_and_revokes_the_previous_one(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let key_for = |channel: &str| {
        let output = std::process::Command::new(partner_api_bin())
            .args(["sandbox", "d360-key", channel, "--api-url", &app.base])
            .output()
            .unwrap();
        last_word(&stdout(&output))
    };
    let first = key_for("CliChannel1");
    let second = key_for("CliChannel1");
    assert_ne!(first, second);
    let (_, revoked) = json(
        app.post_json(
            "/v1/instances",
            crate::support::SANDBOX_KEY,
            &json!({"d360_api_key": first}),
        )
        .await,
    )
    .await;
    let (_, fresh) = json(
        app.post_json(
            "/v1/instances",
            crate::support::SANDBOX_KEY,
            &json!({"d360_api_key": second}),
        )
        .await,
    )
    .await;
    let revoked = app
        .wait_for(revoked["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(
        revoked["errors"][0]["code"], 702,
        "a generated key revokes the channel's previous one"
    );
    app.wait_for(fresh["id"].as_str().unwrap(), "ready").await;

    let unknown = std::process::Command::new(partner_api_bin())
        .args([
            "sandbox",
            "d360-key",
            "no_such-channel",
            "--api-url",
            &app.base,
        ])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("does not know channel"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    app.stop().await;
}

crate::on_both_backends!(
    the_sandbox_key_command_prints_a_key_that_deploys_and_revokes_the_previous_one,
    keys_made_and_revoked_by_the_operator_take_effect_while_serve_runs,
    operator_mistakes_are_refused_with_a_message,
);

/// `--secret-key-file` (how a Swarm secret reaches the control plane) seals with the key it
/// holds, so the same data opened with another key is refused, and a missing file or a second
/// source of the key says so.
#[test]
fn the_secret_key_comes_from_a_file_and_a_wrong_or_missing_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let key_file = |name: &str, byte: u8| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{}\n", base64_key(byte))).unwrap();
        path
    };
    let (ours, other) = (key_file("ours", 7), key_file("other", 8));
    let partner_api = |key_args: &[&str], partner: &str| {
        std::process::Command::new(partner_api_bin())
            .args(["--data-dir", data_dir.to_str().unwrap()])
            .args(key_args)
            .args(["partners", "add", partner])
            .output()
            .unwrap()
    };
    let ours = ours.to_str().unwrap();
    stdout(&partner_api(&["--secret-key-file", ours], "acme"));
    stdout(&partner_api(&["--secret-key", &base64_key(7)], "globex"));

    let refused = |output: Output, expected: &str| {
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    };
    refused(
        partner_api(&["--secret-key-file", other.to_str().unwrap()], "initech"),
        "initialised with another secret key",
    );
    refused(
        partner_api(&["--secret-key-file", "/nonexistent/key"], "initech"),
        "reading the secret key file /nonexistent/key",
    );
    refused(
        partner_api(
            &["--secret-key-file", ours, "--secret-key", &base64_key(7)],
            "initech",
        ),
        "cannot be used with",
    );
}

fn base64_key(byte: u8) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}
