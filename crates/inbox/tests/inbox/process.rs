//! The process as the control plane sees it: one line on stdout, a quick start, a clean stop.

use crate::support::instance::{command, data_dir, signal, write_bootstrap};
use crate::support::{token_for, Instance, Spec, PASSWORD};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn sigterm_stops_the_instance_with_exit_code_zero() {
    let instance = Instance::start(Spec::default()).await;

    let status = instance.terminate().await;

    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn the_instance_answers_health_soon_after_it_is_spawned() {
    let instance = Instance::start(Spec::default()).await;

    eprintln!("time from spawn to healthy: {:?}", instance.time_to_healthy);
    assert!(
        instance.time_to_healthy < Duration::from_secs(2),
        "{:?}",
        instance.time_to_healthy
    );
}

#[tokio::test]
async fn stdout_carries_only_the_listening_line() {
    let dir = tempfile::tempdir().unwrap();
    write_bootstrap(&dir, &Spec::default());

    let (stopped, rest) = serve_once_and_stop(&dir).await;

    assert!(stopped.success());
    assert_eq!(rest, "");
}

/// Starts the instance, asks for its health, stops it with SIGTERM: how it ended, and what it
/// printed after its listening line.
async fn serve_once_and_stop(dir: &tempfile::TempDir) -> (std::process::ExitStatus, String) {
    let mut child = command(dir, &[]).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (_, port) = pid_and_port(&mut stdout, false).await;
    reqwest::get(format!("http://127.0.0.1:{port}/api/v1/status/health"))
        .await
        .unwrap();
    signal(child.id().unwrap(), "TERM");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    (child.wait().await.unwrap(), rest)
}

#[tokio::test]
async fn with_exit_with_parent_the_instance_stops_when_its_parent_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    write_bootstrap(&dir, &Spec::default());
    let inbox = command(&dir, &["--exit-with-parent"]);
    let program = inbox.as_std().get_program().to_owned();
    let args: Vec<_> = inbox.as_std().get_args().map(|a| a.to_owned()).collect();
    // A parent shell that starts the instance in the background and waits: killing the shell
    // leaves the instance an orphan.
    let mut parent = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(r#""$0" "$@" & echo "pid $!"; wait"#)
        .arg(program)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = parent.stdout.take().unwrap();
    let (pid, port) = pid_and_port(&mut stdout, true).await;

    signal(parent.id().unwrap(), "KILL");
    let killed = Instant::now();

    while process_alive(pid) {
        assert!(
            killed.elapsed() < Duration::from_secs(3),
            "the orphan still runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("the orphan stopped {:?} after its parent", killed.elapsed());
    let refused = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/status/health")).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn a_parent_pid_that_is_not_the_parent_stops_the_instance_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write_bootstrap(&dir, &Spec::default());
    let started = Instant::now();

    let mut child = command(&dir, &["--exit-with-parent", "--parent-pid", "4194304"])
        .spawn()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;

    let status = status.expect("stops by itself").unwrap();
    assert!(status.success());
    eprintln!("stopped {:?} after spawn", started.elapsed());
}

#[tokio::test]
async fn a_data_directory_of_another_instance_is_refused() {
    let instance = Instance::start(Spec::default()).await;
    let dir = std::sync::Arc::clone(&instance.dir);
    assert!(instance.terminate().await.success());
    let other = Spec {
        instance_id: "0123456789abcdef0123456789abcdef".into(),
        ..Spec::default()
    };
    write_bootstrap(&dir, &other);

    let output = command(&dir, &[])
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("belongs to instance 167c42d61ed64feb97d3a32508d811a8"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes in a piped log: {stderr:?}"
    );
}

#[tokio::test]
async fn an_idle_instance_stays_small_after_serving_requests() {
    let instance = Instance::start(Spec::default()).await;
    instance.add_user("ana", "agent").await;
    for _ in 0..3 {
        token_for(&instance, "ana", PASSWORD).await;
        reqwest::get(instance.url("/admin/login")).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let status = std::fs::read_to_string(format!("/proc/{}/status", instance.pid())).unwrap();
    let kib = |field: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    };
    let (rss, anonymous) = (kib("VmRSS:"), kib("RssAnon:"));
    eprintln!("idle resident memory: {rss} KiB, of which {anonymous} KiB its own heap and stacks");
    // What grows per instance is its anonymous memory: the code pages are the binary's, shared by
    // every instance (and far larger in this debug build than in the release one).
    assert!(anonymous < 8 * 1024, "{anonymous} KiB");
}

/// Reads whole lines until the instance's port (and, with `want_pid`, the `pid N` line) are seen.
async fn pid_and_port(stdout: &mut tokio::process::ChildStdout, want_pid: bool) -> (u32, u16) {
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let complete = &seen[..seen.rfind('\n').map_or(0, |end| end + 1)];
        let pid = complete
            .lines()
            .find_map(|l| l.strip_prefix("pid ")?.parse().ok());
        let port = complete
            .lines()
            .find_map(|l| l.strip_prefix("listening on 127.0.0.1:")?.parse().ok());
        match (pid, port) {
            (Some(pid), Some(port)) => return (pid, port),
            (None, Some(port)) if !want_pid => {
                assert_eq!(complete, format!("listening on 127.0.0.1:{port}\n"));
                return (0, port);
            }
            _ => {}
        }
        assert!(Instant::now() < deadline, "no pid and port in {seen:?}");
        let mut buf = [0u8; 256];
        let read = tokio::time::timeout(Duration::from_secs(10), stdout.read(&mut buf));
        let n = read.await.unwrap().unwrap();
        assert!(n > 0, "stdout closed after {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

/// Alive, and not a zombie waiting for a parent that does not reap it.
fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => !status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_request_the_router_meant_for_another_instance_is_refused() {
    let instance = Instance::start(Spec::default()).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = instance.url("/api/v1/status/health");
    let header = inbox::bootstrap::ROUTED_INSTANCE_HEADER;

    let elsewhere = client
        .get(&health)
        .header(header, "0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 421);
    let page = client
        .get(instance.url("/admin/login"))
        .header(header, "someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 421, "pages too");

    let meant = client
        .get(&health)
        .header(header, Spec::default().instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(meant.status(), 200);
    assert_eq!(
        client.get(&health).send().await.unwrap().status(),
        200,
        "without the header: a direct call"
    );
}

/// `--wipe-data`, as the control plane runs it on a swarm node after a delete: the data folder
/// of a stopped instance is emptied (the folder stays: it is a volume's mount point), and the
/// flag is refused next to a bootstrap, so it never starts an instance by mistake.
#[tokio::test]
async fn wipe_data_empties_a_stopped_instances_folder() {
    let dir = tempfile::tempdir().unwrap();
    write_bootstrap(&dir, &Spec::default());
    let (stopped, _) = serve_once_and_stop(&dir).await;
    assert!(stopped.success(), "{stopped:?}");
    let data = data_dir(&dir);
    assert!(
        std::fs::read_dir(&data).unwrap().count() > 0,
        "it kept data"
    );

    let inbox = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_inbox"))
            .args(args)
            .output()
            .unwrap()
    };
    let data_arg = data.to_str().unwrap();
    let refused = inbox(&[
        "--wipe-data",
        "--data-dir",
        data_arg,
        "--bootstrap",
        "x.json",
    ]);
    assert!(!refused.status.success());
    assert!(
        std::fs::read_dir(&data).unwrap().count() > 0,
        "refused: nothing gone"
    );

    let wiped = inbox(&["--wipe-data", "--data-dir", data_arg]);
    assert!(wiped.status.success(), "{wiped:?}");
    assert!(data.is_dir());
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);
}
