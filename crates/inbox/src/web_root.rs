//! Bring your own front-end: a folder of static files (`--instance-web-root` of the control plane)
//! served at the instance's own origin, so a single-page app written for get.chat's Integration
//! API calls `/api/v1/` without CORS.
//!
//! - `/` and every GET of a path the instance does not own that names no file answer the
//!   folder's `index.html` (the app routes in the browser). A missing path whose last segment has
//!   an extension (`/static/js/gone.js`) is a 404, not HTML in place of a script.
//! - Paths the instance owns (`/api/`, `/ws`, `/admin`, `/inbox`, `/hub`, `/assets`,
//!   `/confirm_account`) are never files of the folder: a front-end keeps its bundles elsewhere
//!   (`/static/` as Create React App does; Vite's `build.assetsDir` moves them off `/assets/`).
//! - `/config.json` is the folder's own, or `{"API_BASE_URL":"/api/v1/"}`.
//! - No path leaves the folder: `..`, dot-files (`.git`, `.env`) and symbolic links that point
//!   outside it are not found.
//! - `index.html` and `config.json` are revalidated on every load (`no-cache`); a file whose name
//!   carries a content hash (`main.3f2a9c1b.js`, `index-B4x9Qz1a.js`) is cached for a year.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

const INDEX: &str = "index.html";
const DEFAULT_CONFIG: &str = r#"{"API_BASE_URL":"/api/v1/"}"#;
/// First path segments that belong to the instance itself.
const OWNED: &[&str] = &[
    "api",
    "ws",
    "admin",
    "inbox",
    "hub",
    "assets",
    "confirm_account",
];
const NO_CACHE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone, Debug)]
pub struct WebRoot(Arc<PathBuf>);

impl WebRoot {
    /// The folder must exist: an instance without its front-end is a mistake worth a failed start.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let canonical = dir
            .canonicalize()
            .map_err(|e| anyhow::anyhow!("the web root {} cannot be opened: {e}", dir.display()))?;
        anyhow::ensure!(
            canonical.is_dir(),
            "the web root {} is not a directory",
            dir.display()
        );
        Ok(Self(Arc::new(canonical)))
    }

    /// The file under the folder that `path` names, if it is a regular file inside it.
    async fn file(&self, segments: &[String]) -> Option<(PathBuf, std::fs::Metadata)> {
        let mut path = self.0.to_path_buf();
        path.extend(segments);
        let real = tokio::fs::canonicalize(&path).await.ok()?;
        if !real.starts_with(self.0.as_path()) {
            return None;
        }
        let meta = tokio::fs::metadata(&real).await.ok()?;
        meta.is_file().then_some((real, meta))
    }
}

/// `/` and the fallback of every unknown path; the instance's other routes take precedence.
pub fn routes<S: Clone + Send + Sync + 'static>(root: WebRoot) -> Router<S> {
    Router::new()
        .route("/", get(index))
        .fallback(serve)
        .with_state(root)
}

async fn index(State(root): State<WebRoot>, uri: Uri, headers: HeaderMap) -> Response {
    send_index(&root, &uri, &headers).await
}

async fn serve(
    State(root): State<WebRoot>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let not_found = || crate::startup::not_found(uri.clone());
    if !matches!(method, Method::GET | Method::HEAD) {
        return not_found().await;
    }
    let Some(segments) = segments(uri.path()) else {
        return not_found().await;
    };
    let first = segments.first().map(String::as_str).unwrap_or_default();
    if OWNED.contains(&first) {
        return not_found().await;
    }
    if let Some((path, meta)) = root.file(&segments).await {
        return send_file(&path, &meta, &headers, cache_policy(&segments)).await;
    }
    if segments == ["config.json"] {
        return default_config();
    }
    let names_a_file = segments.last().is_some_and(|s| s.contains('.'));
    if names_a_file {
        return not_found().await;
    }
    send_index(&root, &uri, &headers).await
}

/// The decoded segments of a path; `None` for one that could leave the folder or names a
/// hidden file.
fn segments(path: &str) -> Option<Vec<String>> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    decoded
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let safe = !s.starts_with('.') && !s.contains(['\\', '\0']);
            safe.then(|| s.to_owned())
        })
        .collect()
}

fn cache_policy(segments: &[String]) -> &'static str {
    let name = segments.last().map(String::as_str).unwrap_or_default();
    if has_content_hash(name) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// Build tools put a hash of the content in the name: a part of 8 or more letters and digits,
/// with at least one of each, between `.` or `-` separators before the extension.
fn has_content_hash(name: &str) -> bool {
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    stem.split(['.', '-']).any(|part| {
        part.len() >= 8
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

async fn send_index(root: &WebRoot, uri: &Uri, headers: &HeaderMap) -> Response {
    match root.file(&[INDEX.to_owned()]).await {
        Some((path, meta)) => send_file(&path, &meta, headers, NO_CACHE).await,
        None => {
            tracing::warn!(root = %root.0.display(), "the web root has no index.html");
            crate::startup::not_found(uri.clone()).await
        }
    }
}

fn default_config() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        DEFAULT_CONFIG,
    )
        .into_response()
}

async fn send_file(
    path: &Path,
    meta: &std::fs::Metadata,
    request_headers: &HeaderMap,
    cache: &'static str,
) -> Response {
    let etag = etag(meta);
    let headers = [
        (header::CONTENT_TYPE, content_type(path)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (header::ETAG, etag.clone()),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|sent| sent.as_bytes() == etag.as_bytes());
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    match tokio::fs::File::open(path).await {
        Ok(file) => (headers, Body::from_stream(read_chunks(file))).into_response(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read a file of the web root");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The file in chunks, so a large bundle never sits whole in memory.
fn read_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut chunk = vec![0; 64 * 1024];
        let read = file.read(&mut chunk).await?;
        chunk.truncate(read);
        Ok((read > 0).then_some((chunk, file)))
    })
}

fn etag(meta: &std::fs::Metadata) -> HeaderValue {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    HeaderValue::from_str(&format!("\"{:x}-{modified:x}\"", meta.len()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn content_type(path: &Path) -> HeaderValue {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.subtype().as_str(),
            "javascript" | "json" | "manifest+json"
        );
    let value = if textual && mime.get_param("charset").is_none() {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        for name in [
            "main.3f2a9c1b.js",
            "2.a1b2c3d4.chunk.js",
            "index-B4x9Qz1a.js",
        ] {
            assert!(has_content_hash(name), "{name}");
        }
        for name in [
            "index.html",
            "manifest.json",
            "logo512.png",
            "favicon.ico",
            "app.js",
        ] {
            assert!(!has_content_hash(name), "{name}");
        }
    }

    #[test]
    fn paths_that_could_leave_the_folder_have_no_segments() {
        for path in [
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/.git/config",
            "/a%5cb",
            "/%ff",
        ] {
            assert_eq!(segments(path), None, "{path}");
        }
        assert_eq!(
            segments("/static//js/a%20b.js"),
            Some(vec!["static".into(), "js".into(), "a b.js".into()])
        );
    }
}
