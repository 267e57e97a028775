//! Where an instance's volume lives, and so whether its instance may move. A volume of the
//! engine's own `local` driver is on the node that made it: its instance is pinned there. With
//! `--swarm-volume-driver` the operator names storage every node sees the same (an NFS volume of
//! the `local` driver, or a volume plugin): instances made then are not pinned, and Swarm moves
//! them when their node is drained or goes down. Which kind an instance has is read off its own
//! service, never off the current settings, so changing them moves no existing instance away
//! from its data.

use bollard::models::{MountVolumeOptionsDriverConfig, ServiceSpec};
use std::collections::HashMap;

/// What a shared volume option's value may hold to name the instance's own volume.
const VOLUME_PLACEHOLDER: &str = "{volume}";

/// Storage every node sees the same, for the volumes of instances made from now on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedVolumes {
    pub driver: String,
    pub options: Vec<VolumeOption>,
}

/// One `KEY=VALUE` volume driver option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeOption {
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for VolumeOption {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Self {
                key: key.trim().to_owned(),
                value: value.to_owned(),
            }),
            _ => Err(format!("`{raw}` is not KEY=VALUE")),
        }
    }
}

impl SharedVolumes {
    /// The settings' shared storage: none without a driver; options without one are a mistake.
    pub fn from_settings(
        driver: Option<&str>,
        options: &[VolumeOption],
    ) -> Result<Option<Self>, String> {
        match driver.map(str::trim).filter(|d| !d.is_empty()) {
            Some(driver) => Ok(Some(Self {
                driver: driver.to_owned(),
                options: options.to_vec(),
            })),
            None if options.is_empty() => Ok(None),
            None => Err("--swarm-volume-opt needs --swarm-volume-driver".to_owned()),
        }
    }

    /// The driver and options of the volume named `volume`, `{volume}` in a value replaced by it.
    pub fn driver_config(&self, volume: &str) -> MountVolumeOptionsDriverConfig {
        MountVolumeOptionsDriverConfig {
            name: Some(self.driver.clone()),
            options: Some(
                self.options
                    .iter()
                    .map(|o| (o.key.clone(), o.value.replace(VOLUME_PLACEHOLDER, volume)))
                    .collect::<HashMap<_, _>>(),
            ),
        }
    }
}

/// The driver of a service's volumes as its spec says: `None` for the node's own `local` volumes.
pub fn driver_config_of(spec: &ServiceSpec) -> Option<MountVolumeOptionsDriverConfig> {
    spec.task_template
        .as_ref()?
        .container_spec
        .as_ref()?
        .mounts
        .as_ref()?
        .iter()
        .find_map(|m| m.volume_options.as_ref()?.driver_config.clone())
}

/// Whether the service's instance may run on any node: its volume is on shared storage.
pub fn may_move(spec: &ServiceSpec) -> bool {
    driver_config_of(spec).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_key_value_and_name_each_instances_own_volume() {
        let options: Vec<VolumeOption> = [
            "type=nfs",
            "o=addr=10.0.0.5,nfsvers=4",
            "device=:/srv/{volume}",
        ]
        .iter()
        .map(|o| o.parse().unwrap())
        .collect();
        assert_eq!(options[1].value, "addr=10.0.0.5,nfsvers=4");
        let shared = SharedVolumes::from_settings(Some("local"), &options)
            .unwrap()
            .unwrap();
        let config = shared.driver_config("inbox-abc-data");
        assert_eq!(config.name.as_deref(), Some("local"));
        assert_eq!(
            config.options.unwrap()["device"],
            ":/srv/inbox-abc-data",
            "each instance has a folder of its own"
        );
        for bad in ["novalue", "=x", " =x"] {
            assert!(bad.parse::<VolumeOption>().is_err(), "{bad}");
        }
    }

    #[test]
    fn no_driver_means_node_volumes_and_options_alone_are_refused() {
        assert_eq!(SharedVolumes::from_settings(None, &[]), Ok(None));
        assert_eq!(SharedVolumes::from_settings(Some(" "), &[]), Ok(None));
        let option: VolumeOption = "type=nfs".parse().unwrap();
        assert!(SharedVolumes::from_settings(None, &[option]).is_err());
    }
}
