//! Shared storage for a swarm's volumes, as an operator would install it on every node (an NFS or
//! CephFS volume plugin): a Docker volume plugin speaking the engines' plugin protocol
//! (`/VolumeDriver.*`, JSON over HTTP on a unix socket in `/run/docker/plugins`), keeping each
//! volume as a folder of one directory. The test's engines share this machine's file system
//! (only their network namespaces differ), so every node finds the same socket and mounts the
//! same folder: what one node's task wrote, another node's task reads.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const PLUGINS: &str = "/run/docker/plugins";

pub struct SharedVolumePlugin {
    pub name: String,
    root: tempfile::TempDir,
    socket: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SharedVolumePlugin {
    /// Serves the plugin `name` until dropped, on a thread of its own: the engines call it while
    /// the test waits on `docker` commands.
    pub fn start(name: &str) -> Self {
        std::fs::create_dir_all(PLUGINS).unwrap();
        let socket = Path::new(PLUGINS).join(format!("{name}.sock"));
        let _ = std::fs::remove_file(&socket);
        let root = tempfile::Builder::new()
            .prefix("pa-shared")
            .tempdir()
            .unwrap();
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let folders = Arc::new(root.path().to_owned());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::UnixListener::from_std(listener).unwrap();
                let app = routes().with_state(folders);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Self {
            name: name.to_owned(),
            root,
            socket,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The folder holding the volume `name`, on every node.
    pub fn folder(&self, volume: &str) -> PathBuf {
        self.root.path().join(volume)
    }
}

impl Drop for SharedVolumePlugin {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

type Folders = Arc<PathBuf>;

fn routes() -> Router<Folders> {
    Router::new()
        .route(
            "/Plugin.Activate",
            post(|| async { Json(json!({"Implements": ["VolumeDriver"]})) }),
        )
        .route(
            "/VolumeDriver.Capabilities",
            // Global: every node sees the same volumes, so the engines ask no node-local questions.
            post(|| async { Json(json!({"Capabilities": {"Scope": "global"}})) }),
        )
        .route("/VolumeDriver.Create", post(create))
        .route("/VolumeDriver.Remove", post(remove))
        .route("/VolumeDriver.Mount", post(path))
        .route("/VolumeDriver.Path", post(path))
        .route(
            "/VolumeDriver.Unmount",
            post(|| async { Json(json!({"Err": ""})) }),
        )
        .route("/VolumeDriver.Get", post(get))
        .route("/VolumeDriver.List", post(list))
}

/// The engines send `Content-Type: application/vnd.docker.plugins.v1.2+json`, which `Json`
/// refuses: the body is read as it is.
fn name_of(body: &[u8]) -> Option<String> {
    let request: Value = serde_json::from_slice(body).ok()?;
    let name = request["Name"].as_str()?;
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    safe.then(|| name.to_owned())
}

fn refused(why: &str) -> Json<Value> {
    Json(json!({ "Err": why }))
}

async fn create(State(folders): State<Folders>, body: axum::body::Bytes) -> Json<Value> {
    let Some(name) = name_of(&body) else {
        return refused("no volume name");
    };
    let folder = folders.join(name);
    if let Err(e) = std::fs::create_dir_all(&folder) {
        return refused(&e.to_string());
    }
    // The instance runs as its own user; the folder is the test's.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777));
    Json(json!({"Err": ""}))
}

async fn remove(State(folders): State<Folders>, body: axum::body::Bytes) -> Json<Value> {
    let Some(name) = name_of(&body) else {
        return refused("no volume name");
    };
    let _ = std::fs::remove_dir_all(folders.join(name));
    Json(json!({"Err": ""}))
}

async fn path(State(folders): State<Folders>, body: axum::body::Bytes) -> Json<Value> {
    let Some(name) = name_of(&body) else {
        return refused("no volume name");
    };
    let folder = folders.join(name);
    if !folder.is_dir() {
        return refused("no such volume");
    }
    Json(json!({"Mountpoint": folder, "Err": ""}))
}

async fn get(State(folders): State<Folders>, body: axum::body::Bytes) -> Json<Value> {
    let Some(name) = name_of(&body) else {
        return refused("no volume name");
    };
    let folder = folders.join(&name);
    if !folder.is_dir() {
        return refused("no such volume");
    }
    Json(json!({"Volume": {"Name": name, "Mountpoint": folder, "Status": {}}, "Err": ""}))
}

async fn list(State(folders): State<Folders>) -> Json<Value> {
    let volumes: Vec<Value> = std::fs::read_dir(&*folders)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| {
            json!({"Name": entry.file_name().to_string_lossy(), "Mountpoint": entry.path()})
        })
        .collect();
    Json(json!({"Volumes": volumes, "Err": ""}))
}
