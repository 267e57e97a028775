//! After the instance image is on several engines: the swarm nodes they are get the label the
//! swarm driver's placement constraint asks for, set through a manager among them.

use crate::deploy::driver::mark_node_image;
use bollard::Docker;

pub async fn mark(engines: &[Docker], image_id: &str) -> anyhow::Result<()> {
    let mut nodes = Vec::new();
    let mut manager = None;
    for engine in engines {
        let swarm = engine.info().await?.swarm;
        let Some(swarm) = swarm.filter(|s| s.node_id.as_deref().is_some_and(|n| !n.is_empty()))
        else {
            continue;
        };
        if swarm.control_available == Some(true) && manager.is_none() {
            manager = Some(engine);
        }
        nodes.extend(swarm.node_id);
    }
    if nodes.is_empty() {
        return Ok(());
    }
    let Some(manager) = manager else {
        eprintln!(
            "none of these engines is a swarm manager: the serving control plane labels its own \
             node; label the others on a manager with `docker node update --label-add {}=true <node>`",
            crate::deploy::driver::node_image_label(image_id)
        );
        return Ok(());
    };
    for node in &nodes {
        mark_node_image(manager, node, image_id)
            .await
            .map_err(|e| anyhow::anyhow!("labelling node {node}: {e}"))?;
    }
    eprintln!(
        "labelled {} swarm node(s) as holding the image",
        nodes.len()
    );
    Ok(())
}
