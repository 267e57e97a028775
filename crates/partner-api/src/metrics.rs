//! Counters and histograms of the service, exported in the Prometheus text format.

use std::time::Duration;

/// Labels take only bounded values, so a stranger's requests cannot grow the page: the route
/// template (`unmatched` otherwise), a known method or `other`, and the status class.
pub fn record_request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("route", route.to_owned()),
        ("method", bounded_method(method).to_owned()),
        ("status", format!("{}xx", status / 100)),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
}

fn bounded_method(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other")
}

/// An event written to the outbox (`kind`: token, errors, activation_email).
pub fn event_queued(kind: &'static str) {
    metrics::counter!("events_queued_total", "kind" => kind).increment(1);
}

pub fn event_delivered(kind: &'static str) {
    metrics::counter!("events_delivered_total", "kind" => kind).increment(1);
}

/// An event whose last attempt failed, or whose receiver answered `410 Gone`.
pub fn event_failed(kind: &'static str) {
    metrics::counter!("events_failed_total", "kind" => kind).increment(1);
}

/// One delivery attempt; `result` is `success`, `http_error`, `network_error`, `refused` or `smtp_error`.
pub fn delivery_attempt(kind: &'static str, result: &'static str, elapsed: Duration) {
    metrics::counter!("delivery_attempts_total", "kind" => kind, "result" => result).increment(1);
    metrics::histogram!("delivery_attempt_duration_seconds", "kind" => kind)
        .record(elapsed.as_secs_f64());
}

/// Called by the deployment job when a deployment ends; `outcome` is e.g. `ready` or `failed`.
pub fn deployment_finished(outcome: &'static str) {
    metrics::counter!("deployments_total", "outcome" => outcome).increment(1);
}

/// The number of instances in each status, refreshed from the database at each scrape.
pub fn set_instances(status: &'static str, count: i64) {
    metrics::gauge!("instances", "status" => status).set(count as f64);
}

/// The instances that should run on each node (swarm driver), reachable or not, refreshed from
/// the database at each scrape; a node that holds none any more reads 0.
pub fn set_instances_by_node(counts: &[(Option<String>, bool, i64)]) {
    static SEEN: std::sync::Mutex<Vec<(String, bool)>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    for (node, reachable) in seen.iter() {
        let now = counts
            .iter()
            .any(|(n, r, _)| n.as_deref() == Some(node.as_str()) && r == reachable);
        if !now {
            node_gauge(node.clone(), *reachable).set(0.0);
        }
    }
    for (node, reachable, count) in counts {
        let Some(node) = node else { continue };
        node_gauge(node.clone(), *reachable).set(*count as f64);
        if !seen.iter().any(|(n, r)| n == node && r == reachable) {
            seen.push((node.clone(), *reachable));
        }
    }
}

fn node_gauge(node: String, reachable: bool) -> metrics::Gauge {
    let reachable = if reachable { "true" } else { "false" };
    metrics::gauge!("instances_on_node", "node" => node, "reachable" => reachable)
}

/// The number of events in each status, refreshed from the database at each scrape.
pub fn set_events(status: &'static str, count: i64) {
    metrics::gauge!("events", "status" => status).set(count as f64);
}

/// Installs the Prometheus recorder once per process.
pub fn install() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}
