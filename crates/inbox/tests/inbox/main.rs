//! Integration tests: each starts the real `inbox` binary on port 0 with its own bootstrap file
//! and data directory, and drives it over HTTP (and, in `browser`, with headless Chromium).

mod activation;
mod browser;
mod browser_inbox;
mod browser_team;
mod cors;
mod fake_d360;
mod messaging;
mod platform;
mod process;
mod push;
mod quiet;
mod sign_in;
mod slow_clients;
mod support;
mod team_assignment;
mod team_extras;
mod team_groups;
mod team_tags;
mod team_tags_admin;
mod users_api;
mod web_forms;
mod web_inbox;
mod web_inbox_delivery;
mod web_inbox_live;
mod web_inbox_team;
mod web_root;
