//! The Partner API driven over HTTP, as a partner and an operator would.

mod support;

mod activation_link;
mod auth;
mod conversation;
mod create_instance;
mod deployments;
mod docker_driver;
mod docker_faults;
mod docker_front_end;
mod docker_replicas;
mod docker_restart;
mod docker_swarm;
mod end_to_end;
mod engine;
mod events_delivery;
mod events_log;
mod events_mail;
mod events_replicas;
mod events_safety;
mod events_signatures;
mod front_end;
mod health;
mod key_check;
mod lifecycle;
mod operator_commands;
mod outbox;
mod private_dockerd;
mod process;
mod processes;
mod receiver;
mod router_client_addr;
mod router_websocket;
mod sandbox_messaging;
mod slow_clients;
mod smtp_sink;
