//! The Docker Engine API as the image command and the docker and swarm drivers use it: one way to
//! connect, and what an error answer means.

use bollard::errors::Error as BollardError;
use bollard::Docker;

/// Where the engine is: `DOCKER_HOST` (`unix://…` or `tcp://…`), else the default socket.
pub fn host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

/// Connects and agrees on an API version the engine speaks (20.10 speaks 1.41).
pub async fn connect() -> anyhow::Result<Docker> {
    let docker = Docker::connect_with_defaults()
        .map_err(|e| anyhow::anyhow!("cannot use Docker at {}: {e}", host()))?;
    docker.negotiate_version().await.map_err(|e| {
        anyhow::anyhow!(
            "Docker does not answer at {}: {e}; is dockerd running?",
            host()
        )
    })
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
