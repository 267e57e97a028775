//! `inbox --wipe-data`: empties the data folder of a deleted instance. The folder itself stays:
//! it is a volume's mount point.

use std::io;
use std::path::Path;

/// Removes every entry of `dir`, folders with what they hold; how many entries there were.
pub fn data_dir(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_in_the_folder_goes_and_the_folder_stays() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("inbox.db"), b"x").unwrap();
        std::fs::write(dir.path().join("inbox.db-wal"), b"x").unwrap();
        std::fs::create_dir_all(dir.path().join("media/ab")).unwrap();
        std::fs::write(dir.path().join("media/ab/photo"), b"x").unwrap();
        assert_eq!(data_dir(dir.path()).unwrap(), 3);
        assert!(dir.path().is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert_eq!(data_dir(dir.path()).unwrap(), 0, "again: nothing to do");
    }
}
