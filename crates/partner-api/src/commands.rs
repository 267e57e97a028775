//! The operator commands: they act on the same database as `serve`, also while it runs.

use crate::cli::{ImagesCommand, KeysCommand, PartnersCommand, SandboxCommand, StorageArgs};
use crate::d360::emulator::customer::{self, Content, Inbound};
use crate::d360::{emulator, D360Client};
use crate::deploy::driver::engine;
use crate::domain::ChannelId;
use crate::domain::PartnerId;
use crate::images::ImageKind;
use crate::store::api_keys::{self, RevokeOutcome};
use crate::store::partners;
use crate::store::partners::HubCredentials;
use anyhow::bail;

fn partner_id(raw: &str) -> anyhow::Result<PartnerId> {
    PartnerId::parse(raw).map_err(anyhow::Error::msg)
}

pub async fn partners(storage: &StorageArgs, command: PartnersCommand) -> anyhow::Result<()> {
    let db = storage.open(2).await?;
    match command {
        PartnersCommand::Add {
            partner_id: raw,
            allow_loopback_webhooks,
        } => {
            let id = partner_id(&raw)?;
            if !partners::create(&db, &id).await? {
                bail!(
                    "partner {id} already exists; `partner-api keys add {id}` prints another key"
                );
            }
            partners::set_allow_loopback_webhooks(&db, &id, allow_loopback_webhooks).await?;
            let issued = api_keys::issue(&db, &id).await?;
            println!("partner {id} created");
            println!("key id: {}", issued.id);
            println!("API key (shown once): {}", issued.key);
        }
        PartnersCommand::SetHub {
            partner_id: raw,
            hub_url,
            hub_partner_id,
            hub_api_key,
            messaging_url,
        } => {
            let id = partner_id(&raw)?;
            let hub = HubCredentials {
                hub_url,
                hub_partner_id,
                hub_api_key,
                messaging_url,
            };
            if !partners::set_hub(&db, &id, &hub).await? {
                bail!("no partner {id}");
            }
            println!("360Dialog credentials of {id} updated");
        }
        PartnersCommand::List => {
            println!(
                "{:<24} {:<25} {:>5} {:>10} {:>4}",
                "PARTNER", "CREATED", "KEYS", "INSTANCES", "HUB"
            );
            for p in partners::list(&db).await? {
                let hub = if p.has_hub { "yes" } else { "no" };
                println!(
                    "{:<24} {:<25} {:>5} {:>10} {:>4}",
                    p.id,
                    p.created_at.rfc3339(),
                    p.active_keys,
                    p.live_instances,
                    hub
                );
            }
        }
    }
    db.close().await;
    Ok(())
}

pub async fn keys(storage: &StorageArgs, command: KeysCommand) -> anyhow::Result<()> {
    let db = storage.open(2).await?;
    match command {
        KeysCommand::Add { partner_id: raw } => {
            let id = partner_id(&raw)?;
            if partners::get(&db, &id).await?.is_none() {
                bail!("no partner {id}; create it with `partner-api partners add {id}`");
            }
            let issued = api_keys::issue(&db, &id).await?;
            println!("key id: {}", issued.id);
            println!("API key (shown once): {}", issued.key);
        }
        KeysCommand::Revoke { key } => match api_keys::revoke(&db, &key).await? {
            RevokeOutcome::Revoked(id) => println!("revoked {id}"),
            RevokeOutcome::NotFound => bail!("no live key matches {key:?}"),
            RevokeOutcome::Ambiguous(n) => bail!("{n} keys match {key:?}; give the key id"),
        },
        KeysCommand::List { partner_id: raw } => {
            let partner = raw.as_deref().map(partner_id).transpose()?;
            println!(
                "{:<18} {:<24} {:<14} {:<25} REVOKED",
                "ID", "PARTNER", "PREFIX", "CREATED"
            );
            for k in api_keys::list(&db, partner.as_ref()).await? {
                let revoked = k.revoked_at.map_or_else(|| "-".to_owned(), |t| t.rfc3339());
                println!(
                    "{:<18} {:<24} {:<14} {:<25} {revoked}",
                    k.id,
                    k.partner_id,
                    k.prefix,
                    k.created_at.rfc3339()
                );
            }
        }
    }
    db.close().await;
    Ok(())
}

/// `d360-key` calls the emulated hub of a running `serve` exactly as the platform calls
/// 360Dialog; the customer simulator works on the database, as the emulator itself does.
pub async fn sandbox(storage: &StorageArgs, command: SandboxCommand) -> anyhow::Result<()> {
    match command {
        SandboxCommand::D360Key {
            channel_id,
            api_url,
        } => {
            let channel = ChannelId::parse(&channel_id).map_err(anyhow::Error::msg)?;
            let origin = api_url.trim_end_matches('/');
            let hub = HubCredentials {
                hub_url: emulator::hub_url(origin),
                hub_partner_id: emulator::HUB_PARTNER_ID.to_owned(),
                hub_api_key: emulator::HUB_API_KEY.to_owned(),
                messaging_url: emulator::messaging_url(origin),
            };
            let key = D360Client::new(std::time::Duration::from_secs(15))
                .issue_channel_key(&hub, &channel)
                .await?;
            println!(
                "360Dialog API key for sandbox channel {channel}: {}",
                key.expose()
            );
        }
        SandboxCommand::Inbound {
            channel_id,
            from,
            name,
            text,
        } => {
            let db = storage.open(2).await?;
            let inbound = Inbound {
                from,
                name,
                content: Content::Text(text),
                at: None,
            };
            let received =
                customer::send(&db, &emulator::webhook_client(), &channel_id, inbound).await;
            db.close().await;
            let answer = received?.answer().map_err(anyhow::Error::msg)?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
        }
        SandboxCommand::Sent { channel_id } => {
            let db = storage.open(2).await?;
            let sent = customer::sent(&db, &channel_id).await;
            db.close().await;
            println!("{}", serde_json::to_string_pretty(&sent?)?);
        }
    }
    Ok(())
}

/// Builds the instance image; prints its tag alone on stdout, for scripts.
pub async fn images(command: ImagesCommand) -> anyhow::Result<()> {
    match command {
        ImagesCommand::Build {
            inbox_bin,
            tag,
            control_plane,
            engines,
        } => {
            let (kind, bin, default_tag) = if control_plane {
                (
                    ImageKind::ControlPlane,
                    std::env::current_exe()?,
                    crate::images::control_plane_tag(),
                )
            } else {
                let bin = match inbox_bin {
                    Some(path) => path,
                    None => crate::config::inbox_next_to_this_executable()?,
                };
                (ImageKind::Instance, bin, crate::images::default_tag())
            };
            let tag = tag.unwrap_or(default_tag);
            let hosts = if engines.is_empty() {
                vec![engine::host()]
            } else {
                engines
            };
            let mut dockers = Vec::new();
            for host in &hosts {
                dockers.push(engine::connect_at(host).await?);
            }
            let changed = crate::images::build(kind, &bin, &tag, &dockers).await?;
            if !changed {
                eprintln!("{tag} is up to date ({} unchanged)", bin.display());
            }
            println!("{tag}");
        }
    }
    Ok(())
}

pub async fn probe(url: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?;
    let answer = client.get(url).send().await?;
    if !answer.status().is_success() {
        bail!("{url} answered {}", answer.status());
    }
    Ok(())
}
