//! The root file system of an image as a tar: one binary, the libraries it links and empty
//! folders; the same bytes for the same binary (fixed times and owners, a fixed order), so its
//! digest tells whether an image is up to date.

use super::{ldd, INSTANCE_UID};
use crate::crypto::sha256_hex;
use anyhow::Context;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tar::{EntryType, Header};

pub struct RootFs {
    pub tar: Vec<u8>,
    pub sha256: String,
}

/// What goes in an image besides the libraries.
pub struct Layout {
    /// The binary's name at the root.
    pub binary: &'static str,
    /// Empty folders: name, mode, owner.
    pub dirs: &'static [(&'static str, u32, u32)],
}

/// `/inbox` and the folders the instance uses: `/data` (its volume), `/boot` (its bootstrap
/// file), `/tmp`, `/run`.
pub const INSTANCE: Layout = Layout {
    binary: "inbox",
    dirs: &[
        ("boot", 0o700, INSTANCE_UID),
        ("data", 0o700, INSTANCE_UID),
        ("tmp", 0o1777, 0),
        ("run", 0o755, 0),
    ],
};

/// `/partner-api` and its data folder, for the control plane as a Swarm service; it runs as
/// root, to speak to the Docker socket it is given.
pub const CONTROL_PLANE: Layout = Layout {
    binary: "partner-api",
    dirs: &[("data", 0o700, 0), ("tmp", 0o1777, 0), ("run", 0o755, 0)],
};

/// The binary at `/<layout.binary>`, its libraries at the paths the loader looks for them, and
/// the layout's folders.
pub fn build(bin: &Path, layout: &Layout) -> anyhow::Result<RootFs> {
    let binary =
        std::fs::read(bin).with_context(|| format!("reading the binary {}", bin.display()))?;
    let libraries = ldd::libraries(bin)?;
    let mut builder = tar::Builder::new(Vec::new());
    for &(dir, mode, owner) in layout.dirs {
        append_dir(&mut builder, Path::new(dir), mode, owner)?;
    }
    for dir in parent_dirs(&libraries) {
        append_dir(&mut builder, &dir, 0o755, 0)?;
    }
    for library in &libraries {
        // Read through symlinks: the loader finds the file under the name `ldd` printed.
        let bytes = std::fs::read(library)
            .with_context(|| format!("reading the library {}", library.display()))?;
        append_file(&mut builder, relative(library), 0o755, &bytes)?;
    }
    append_file(&mut builder, Path::new(layout.binary), 0o755, &binary)?;
    let tar = builder.into_inner().context("finishing the image tar")?;
    let sha256 = sha256_hex(&tar);
    Ok(RootFs { tar, sha256 })
}

fn relative(path: &Path) -> &Path {
    path.strip_prefix("/").unwrap_or(path)
}

/// Every folder above the libraries, parents first.
fn parent_dirs(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    files
        .iter()
        .flat_map(|f| relative(f).ancestors().skip(1).map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .collect()
}

fn header(kind: EntryType, mode: u32, owner: u32, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(owner.into());
    header.set_gid(owner.into());
    header.set_mtime(0);
    header.set_size(size);
    header
}

/// The header of a regular file owned by `owner`.
pub fn file_header(mode: u32, owner: u32, size: u64) -> Header {
    header(EntryType::Regular, mode, owner, size)
}

fn append_dir(
    builder: &mut tar::Builder<Vec<u8>>,
    dir: &Path,
    mode: u32,
    owner: u32,
) -> anyhow::Result<()> {
    let mut header = header(EntryType::Directory, mode, owner, 0);
    builder.append_data(&mut header, dir, std::io::empty())?;
    Ok(())
}

fn append_file(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &Path,
    mode: u32,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let mut header = header(EntryType::Regular, mode, 0, bytes.len() as u64);
    builder.append_data(&mut header, path, bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_binary_gives_the_same_digest() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("inbox");
        std::fs::write(&bin, b"not really a binary").unwrap();
        let first = build(&bin, &INSTANCE).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(build(&bin, &INSTANCE).unwrap().sha256, first.sha256);
        std::fs::write(&bin, b"another binary").unwrap();
        assert_ne!(build(&bin, &INSTANCE).unwrap().sha256, first.sha256);
    }

    #[test]
    fn the_library_folders_come_before_the_libraries() {
        let dirs = parent_dirs(&[PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6")]);
        assert_eq!(
            dirs.into_iter().collect::<Vec<_>>(),
            [PathBuf::from("lib"), PathBuf::from("lib/x86_64-linux-gnu")]
        );
    }
}
