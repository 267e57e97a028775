//! The instance process as the tests start it (`tests/inbox/support/instance.rs`: the real
//! binary, a bootstrap file with the inbound webhook secret, a loopback port), and what the
//! benchmark reads about it: its memory, its CPU time and an agent's token.

pub use super::started::{data_dir, inbound_secret, memory, Instance, Memory, Spec};
use serde_json::{json, Value};
use std::time::Duration;

const AGENT: &str = "bench.agent";
const AGENT_PASSWORD: &str = "correct horse battery staple";

/// CPU time of a process (`self` for this one) so far, all threads, user and system.
pub fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/{pid}/stat");
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    let (_, fields) = stat.rsplit_once(") ").expect("a stat line");
    let ticks: u64 = fields
        .split(' ')
        .skip(11)
        .take(2)
        .map(|t| t.parse::<u64>().expect("clock ticks"))
        .sum();
    // USER_HZ: 100 on every Linux architecture the instance is built for.
    Duration::from_millis(ticks * 10)
}

/// An agent's API token: the configurator adds the agent, which then signs in (the push channel
/// refuses the configurator).
pub async fn agent_token(instance: &Instance, http: &reqwest::Client) -> String {
    let user = json!({"username": AGENT, "password": AGENT_PASSWORD, "role": "agent"});
    let created = http
        .post(instance.url("/api/v1/users/"))
        .header(
            "authorization",
            format!("Token {}", instance.configurator_token),
        )
        .json(&user)
        .send()
        .await
        .expect("create the agent");
    assert_eq!(created.status(), 201, "the agent is created");
    let signed_in: Value = http
        .post(instance.url("/api/v1/auth/token/"))
        .json(&json!({"username": AGENT, "password": AGENT_PASSWORD}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("a JSON token");
    signed_in["token"].as_str().expect("a token").to_owned()
}
