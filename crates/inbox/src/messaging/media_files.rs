//! The bytes of media, one file each in `<data-dir>/media/`, written whole or not at all.

use crate::domain::whatsapp::is_media_id;
use anyhow::{ensure, Context};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct MediaFiles {
    dir: PathBuf,
}

impl MediaFiles {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("media"),
        }
    }

    fn path(&self, id: &str) -> anyhow::Result<PathBuf> {
        ensure!(is_media_id(id), "{id:?} cannot name a media file");
        Ok(self.dir.join(id))
    }

    /// Writes through a temporary file and a rename, so a crash never leaves half a file. Each
    /// write has a temporary file of its own: the background fetch and a download asking for the
    /// same file may write it at the same time (the last rename wins; the bytes are the same).
    pub async fn write(&self, id: &str, bytes: &[u8]) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path(id)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let partial = self
            .dir
            .join(format!(".{id}.{:016x}.partial", rand::random::<u64>()));
        tokio::fs::write(&partial, bytes)
            .await
            .with_context(|| format!("cannot write {}", partial.display()))?;
        tokio::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600)).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }

    pub async fn read(&self, id: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.path(id)?;
        tokio::fs::read(&path)
            .await
            .with_context(|| format!("cannot read {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn two_writes_of_one_file_at_once_both_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let files = MediaFiles::new(dir.path());
        let bytes = vec![7u8; 256 * 1024];
        for _ in 0..20 {
            let (a, b) = tokio::join!(files.write("m1", &bytes), files.write("m1", &bytes));
            a.unwrap();
            b.unwrap();
            assert_eq!(files.read("m1").await.unwrap(), bytes);
        }
    }
}
