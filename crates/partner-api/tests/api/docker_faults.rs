//! What goes wrong around the docker driver, and what the operator and the partner then see.

use crate::docker_driver::{delete, docker_app, inspect};
use crate::engine::{self, containers_of, docker, volume_exists, Cleanup, IMAGE};
use crate::support::{json, SANDBOX_KEY};
use instance_contract::bootstrap::{AdminBootstrap, Bootstrap, BOOTSTRAP_VERSION};
use partner_api::crypto::sha256_hex;
use partner_api::deploy::driver::{DockerDriver, Driver, EngineSettings, InstanceSpec};
use partner_api::domain::InstanceId;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_image_the_deployment_fails_at_once_with_704_naming_it_and_the_command_that_builds_it(
) {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let missing = format!("partner-api/inbox:missing-{}", std::process::id());
    let mut app = docker_app(|args| args.container_image = missing.clone()).await;
    let started = Instant::now();
    let id = app
        .create(json!({"channel_id": "NoImgCH", "subdomain": "no-image"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    cleanup.track(&id);
    let failed = app.wait_for(&id, "failed").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "failed promptly: {:?}",
        started.elapsed()
    );
    let error = &failed["errors"][0];
    assert_eq!(error["code"], 704, "{failed}");
    let details = error["details"].as_str().unwrap();
    assert!(details.contains(&missing), "{details}");
    assert!(
        details.contains(&format!("partner-api images build --tag {missing}")),
        "{details}"
    );
    assert!(containers_of(&id).is_empty(), "nothing was created");

    // Someone else's container takes the instance's name; the operator builds the image.
    let foreign = format!("inbox-{id}");
    cleanup.track_container(&foreign);
    docker(&["create", "--name", &foreign, IMAGE]).unwrap();
    let foreign_id = inspect(&foreign)["Id"].clone();
    app.restart_with(|args| args.container_image = IMAGE.to_owned())
        .await;
    let (status, _) = json(
        app.request(Method::PATCH, &format!("/v1/instances/{id}"), SANDBOX_KEY)
            .json(&json!({"max_number_of_seats": 3}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202);
    let failed = app.wait_for(&id, "failed").await;
    let details = failed["errors"][0]["details"].as_str().unwrap();
    assert!(
        details.contains(&format!(
            "a container named {foreign} exists that this platform did not create"
        )),
        "{failed}"
    );
    let untouched = inspect(&foreign);
    assert_eq!(untouched["Id"], foreign_id, "the same container");
    assert_eq!(untouched["State"]["Status"], "created", "never started");

    delete(&app, &id).await;
    assert_eq!(
        inspect(&foreign)["Id"],
        foreign_id,
        "deleting the instance leaves it too"
    );
    app.stop().await;
}

fn spec(id: &InstanceId) -> InstanceSpec {
    InstanceSpec {
        id: id.clone(),
        partner_id: "sandbox".to_owned(),
        subdomain: format!("race-{}", &id.as_str()[..8]),
        bootstrap: Bootstrap {
            version: BOOTSTRAP_VERSION,
            instance_id: id.to_string(),
            public_origin: "http://race.inbox.localhost:8080".to_owned(),
            max_number_of_seats: 5,
            admin: AdminBootstrap {
                username: "admin".to_owned(),
                email: None,
                activation_code_sha256: sha256_hex("code"),
                activation_expires_at: 4_000_000_000,
            },
            configurator: None,
            platform_token_sha256: sha256_hex("platform"),
            d360: None,
            inbound_webhook_secret_sha256: None,
            phone_number: None,
            front_end: Default::default(),
        },
    }
}

fn settings() -> EngineSettings {
    EngineSettings {
        image: IMAGE.to_owned(),
        memory_mb: 64,
        cpus: 0.5,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_ensuring_one_instance_at_once_make_one_container_and_stop_keeps_its_volume() {
    let Some(()) = engine::available() else {
        return;
    };
    let cleanup = Cleanup::default();
    let first = DockerDriver::connect(settings()).await.unwrap();
    let second = DockerDriver::connect(settings()).await.unwrap();
    for _ in 0..3 {
        let id = InstanceId::generate();
        cleanup.track(id.as_str());
        let spec = spec(&id);
        let (a, b) = tokio::join!(first.ensure(&spec), second.ensure(&spec));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b, "both see the same container");
        assert!(a.endpoint.starts_with("127.0.0.1:"), "{a:?}");
        assert_eq!(containers_of(id.as_str()).len(), 1, "one container");
        assert!(first.list().await.unwrap().contains(&id));

        first.stop(&id).await.unwrap();
        assert!(!second.list().await.unwrap().contains(&id), "stopped");
        assert!(volume_exists(id.as_str()), "stop keeps the data");
        assert!(
            second
                .ensure(&spec)
                .await
                .unwrap()
                .endpoint
                .starts_with("127.0.0.1:"),
            "starts again"
        );

        second.remove(&id).await.unwrap();
        assert!(containers_of(id.as_str()).is_empty() && !volume_exists(id.as_str()));
    }
    first.shutdown().await;
    second.shutdown().await;
}
