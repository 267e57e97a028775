//! How the real `inbox` binary handles messaging, on loopback:
//! 1. inbound webhook → push frame latency, one webhook at a time (goal: p99 < 20 ms);
//! 2. inbound webhooks per second from many keep-alive clients, none lost (goal: ≥ 2,000/s);
//! 3. the chat list and one chat's messages with 100,000 chats and 1,000,000 messages seeded
//!    into the stopped instance's database (goal: p99 < 20 ms), and one search of each;
//! 4. resident memory when idle: fresh, after the webhooks, after the large inbox (goal: < 10 MiB).
//!
//! `cargo bench -p inbox --bench messaging`. The load generator shares the machine's cores with
//! the instance. It prints figures beside their goals and asserts none of them.

mod common;

use common::instance::{agent_token, cpu_time, data_dir, memory, Instance, Memory, Spec};
use common::load::{self, client, count, timed_gets, unix_now};
use common::report::{Goal, Table};
use common::seed::{self, CHATS, PER_CHAT};
use common::whatsapp::{count_frames, push_socket, Socket, Webhooks};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LATENCY_WEBHOOKS: usize = 1_000;
const THROUGHPUT_WEBHOOKS: usize = 20_000;
const SENT: usize = LATENCY_WEBHOOKS + THROUGHPUT_WEBHOOKS;
const CLIENTS: usize = 32;
const LIST_REQUESTS: usize = 500;
/// How long an instance is left alone before its memory is read.
const SETTLE: Duration = Duration::from_secs(2);
const LATENCY_GOAL_MS: f64 = 20.0;
const IDLE_RSS_GOAL_MIB: f64 = 10.0;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    print_machine("start");
    let mut table = Table::default();

    let instance = Instance::start(Spec::default()).await;
    let fresh = settled_memory(&instance).await;
    let token = agent_token(&instance, &client(None)).await;
    let agent = client(Some(&token));
    webhooks(&instance, &token, &agent, &mut table).await;
    let after_webhooks = settled_memory(&instance).await;

    let instance = seed_and_restart(instance, &agent).await;
    lists(&instance, &agent, &mut table).await;
    println!("4. resident memory after {} s idle", SETTLE.as_secs());
    let settled = settled_memory(&instance).await;
    assert!(instance.terminate().await.success(), "a clean stop");

    add_memory(&mut table, "fresh data directory", &fresh);
    let after = format!("after {SENT} webhooks");
    add_memory(&mut table, &after, &after_webhooks);
    add_memory(&mut table, "after the 1M-message workload", &settled);
    println!();
    table.print();
    print_machine("end");
}

/// Parts 1 and 2, with one web inbox socket open; the webhook clients are gone at the end.
async fn webhooks(instance: &Instance, token: &str, agent: &reqwest::Client, table: &mut Table) {
    let webhooks = Webhooks::new(&client(None), instance);
    let socket = push_socket(instance, token).await;
    let socket = latency(&webhooks, socket, table).await;
    throughput(instance, agent, &webhooks, socket, table).await;
}

/// Part 1: the socket is subscribed before the first webhook.
async fn latency(webhooks: &Webhooks, mut socket: Socket, table: &mut Table) -> Socket {
    println!("1. {LATENCY_WEBHOOKS} webhooks one at a time, each until its push frame arrives");
    let (to_frame, to_answer) = load::one_at_a_time(webhooks, &mut socket, LATENCY_WEBHOOKS).await;
    let goal = Goal::Below(LATENCY_GOAL_MS);
    let max = table.latencies("webhook → push frame", to_frame, goal);
    table.ms("webhook → push frame, max", max, Goal::None);
    table.latencies("webhook → HTTP 200 answer", to_answer, Goal::None);
    socket
}

/// Part 2: the socket stays open and counts the frames of the burst.
async fn throughput(
    instance: &Instance,
    agent: &reqwest::Client,
    webhooks: &Webhooks,
    socket: Socket,
    table: &mut Table,
) {
    println!(
        "2. {THROUGHPUT_WEBHOOKS} webhooks from {CLIENTS} keep-alive clients, one socket open"
    );
    let watcher = tokio::spawn(count_frames(socket, THROUGHPUT_WEBHOOKS));
    let range = LATENCY_WEBHOOKS..LATENCY_WEBHOOKS + THROUGHPUT_WEBHOOKS;
    let pid = instance.pid().to_string();
    let cpu_before = (cpu_time(&pid), cpu_time("self"));
    let (elapsed, failed) = load::concurrently(webhooks, range, CLIENTS).await;
    let instance_cpu = cpu_time(&pid) - cpu_before.0;
    let generator_cpu = cpu_time("self") - cpu_before.1;
    let (pushed, socket_end) = watcher.await.expect("the socket watcher");
    let stored = count(agent, &instance.url("/api/v1/messages/?limit=1")).await;
    let rate = THROUGHPUT_WEBHOOKS as f64 / elapsed.as_secs_f64();
    println!("   {rate:.0}/s; {failed} answers not 200; {stored} of {SENT} messages stored");
    let cpu_each = instance_cpu.as_secs_f64() * 1e6 / THROUGHPUT_WEBHOOKS as f64;
    println!(
        "   CPU over {:.1} s: the instance {:.1} s ({cpu_each:.0} µs a webhook), this load \
         generator {:.1} s",
        elapsed.as_secs_f64(),
        instance_cpu.as_secs_f64(),
        generator_cpu.as_secs_f64(),
    );
    if let Some(end) = socket_end {
        println!("   the push socket ended after {pushed} frames: {end}");
    }
    let rate_figure = format!("inbound webhooks/s ({CLIENTS} clients)");
    table.number(&rate_figure, rate, "/s", Goal::AtLeast(2000.0));
    let lost = SENT as f64 - stored as f64;
    table.number(
        "messages lost (sent − stored)",
        lost,
        "",
        Goal::Exactly(0.0),
    );
    table.number("webhooks not answered 200", failed as f64, "", Goal::None);
    table.number(
        "instance CPU a webhook in the burst",
        cpu_each,
        "µs",
        Goal::None,
    );
    let frames = "burst frames that reached the socket";
    table.number(frames, pushed as f64, "", Goal::None);
}

/// Part 3's data: the stopped instance's database gets the large inbox, then it starts again.
async fn seed_and_restart(instance: Instance, agent: &reqwest::Client) -> Instance {
    println!("3. {CHATS} chats × {PER_CHAT} messages written into the stopped instance's database");
    let (dir, spec) = (Arc::clone(&instance.dir), instance.spec.clone());
    assert!(instance.terminate().await.success(), "a clean stop");
    let seeded = seed::seed(&data_dir(&dir), unix_now()).await;
    let instance = Instance::start_in(dir, spec, &[]).await;
    let chats = count(agent, &instance.url("/api/v1/chats/?limit=1")).await;
    let messages = count(agent, &instance.url("/api/v1/messages/?limit=1")).await;
    println!(
        "   seeded in {:.1} s, the database is {:.0} MiB; the instance holds {chats} chats and \
         {messages} messages",
        seeded.elapsed.as_secs_f64(),
        seeded.file_bytes as f64 / 1024.0 / 1024.0,
    );
    instance
}

/// Part 3: first pages of the chat list and of one chat after another, then one search each.
async fn lists(instance: &Instance, agent: &reqwest::Client, table: &mut Table) {
    let goal = Goal::Below(LATENCY_GOAL_MS);
    let chat_list = (0..).map(|_| instance.url("/api/v1/chats/"));
    let samples = timed_gets(agent, chat_list, LIST_REQUESTS).await;
    table.latencies("GET /api/v1/chats/ (first page)", samples, goal);
    let chat = |i: u64| seed::wa_id(i * 7_919 % CHATS);
    let one_chat = (0..).map(|i| instance.url(&format!("/api/v1/messages/?wa_id={}", chat(i))));
    let samples = timed_gets(agent, one_chat, LIST_REQUESTS).await;
    table.latencies("GET /api/v1/messages/?wa_id=…", samples, goal);
    for list in ["messages", "chats"] {
        let url = instance.url(&format!("/api/v1/{list}/?search=refund"));
        let started = Instant::now();
        let found = count(agent, &url).await;
        let took = started.elapsed().as_secs_f64() * 1000.0;
        let figure = format!("GET /api/v1/{list}/?search=refund ({found} found)");
        table.ms(&figure, took, Goal::None);
    }
}

async fn settled_memory(instance: &Instance) -> Memory {
    tokio::time::sleep(SETTLE).await;
    memory(instance)
}

fn add_memory(table: &mut Table, when: &str, memory: &Memory) {
    let figure = format!(
        "idle RSS, {when} (own {:.1} + files {:.1})",
        memory.anon, memory.file
    );
    table.mib(&figure, memory.rss, Goal::Below(IDLE_RSS_GOAL_MIB));
}

/// Cores, CPU and load: the instance and the load generator share them with whatever else runs.
fn print_machine(when: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .unwrap_or(": ?");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!(
        "machine at {when}: {cores} cores ({}), load average {}",
        model.trim_start_matches([' ', '\t', ':']),
        load.join(" ")
    );
}
