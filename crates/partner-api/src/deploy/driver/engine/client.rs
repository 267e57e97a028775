//! The Docker Engine API as the image command and the docker and swarm drivers use it: one way to
//! connect, and what an error answer means.

use bollard::errors::Error as BollardError;
use bollard::Docker;

/// Where the engine is: `DOCKER_HOST` (`unix://…` or `tcp://…`), else the default socket.
pub fn host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

/// Connects to the engine at [`host`].
pub async fn connect() -> anyhow::Result<Docker> {
    connect_at(&host()).await
}

/// Connects to the engine at `unix://…` or `tcp://…` and agrees on an API version it speaks
/// (20.10 speaks 1.41).
pub async fn connect_at(host: &str) -> anyhow::Result<Docker> {
    const TIMEOUT_SECONDS: u64 = 120;
    let connected = if let Some(path) = host.strip_prefix("unix://") {
        Docker::connect_with_unix(path, TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
    } else {
        anyhow::bail!("a Docker engine is unix://PATH or tcp://HOST:PORT, not {host:?}")
    };
    let docker = connected.map_err(|e| anyhow::anyhow!("cannot use Docker at {host}: {e}"))?;
    docker
        .negotiate_version()
        .await
        .map_err(|e| anyhow::anyhow!("Docker does not answer at {host}: {e}; is dockerd running?"))
}

/// The HTTP status of an error answer of the engine, if it was one.
pub fn status_of(err: &BollardError) -> Option<u16> {
    match err {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

pub fn is_not_found(err: &BollardError) -> bool {
    status_of(err) == Some(404)
}

/// 409: a name already taken (by a twin that got there first), or an object still in use.
pub fn is_conflict(err: &BollardError) -> bool {
    status_of(err) == Some(409)
}

/// 304: the container was already in the state asked for (started, stopped).
pub fn is_not_modified(err: &BollardError) -> bool {
    status_of(err) == Some(304)
}
