//! Reading `/proc/self/smaps`: which mappings of a file hold nothing but the file's own pages.

/// One mapping of `/proc/self/smaps`, with what the release needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: usize,
    pub end: usize,
    pub resident_kib: u64,
}

/// The files a `/proc/self/maps` (or smaps) shows mapped, each once, as the kernel names them.
pub fn mapped_files(maps: &str) -> Vec<String> {
    let mut files: Vec<String> = maps
        .lines()
        .filter_map(header)
        .filter(|h| h.name.starts_with('/'))
        .map(|h| h.name.to_owned())
        .collect();
    files.sort_unstable();
    files.dedup();
    files
}

/// The mappings of `files` that are private, not writable, and hold no anonymous (copied-on-write)
/// page. The relocated read-only data of a position-independent binary or library is left out:
/// the loader wrote it.
pub fn clean_file_mappings(smaps: &str, files: &[String]) -> Vec<Mapping> {
    let mut found = Vec::new();
    let mut current: Option<(Mapping, bool)> = None;
    for line in smaps.lines() {
        if let Some(header) = header(line) {
            let of_file_read_only = header.private_read_only
                && files
                    .binary_search_by(|f| f.as_str().cmp(header.name))
                    .is_ok();
            current = Some((header.mapping, of_file_read_only));
            continue;
        }
        let Some((mapping, of_file_read_only)) = current.as_mut() else {
            continue;
        };
        if let Some(kib) = field_kib(line, "Rss:") {
            mapping.resident_kib = kib;
        } else if let Some(kib) = field_kib(line, "Anonymous:") {
            if *of_file_read_only && kib == 0 {
                found.push(mapping.clone());
            }
        }
    }
    found
}

struct Header<'a> {
    mapping: Mapping,
    private_read_only: bool,
    name: &'a str,
}

/// `start-end perms offset dev inode name`, the first line of each mapping.
fn header(line: &str) -> Option<Header<'_>> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    let perms = fields.next()?.as_bytes();
    let (_offset, _device, _inode) = (fields.next()?, fields.next()?, fields.next()?);
    let name = fields.next().unwrap_or("").trim_start();
    let private_read_only =
        perms.len() == 4 && perms[0] == b'r' && perms[1] == b'-' && perms[3] == b'p';
    let mapping = Mapping {
        start,
        end,
        resident_kib: 0,
    };
    Some(Header {
        mapping,
        private_read_only,
        name,
    })
}

fn field_kib(line: &str, name: &str) -> Option<u64> {
    line.strip_prefix(name)?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
5600aa000000-5600aa300000 r--p 00000000 fd:01 4242                       /srv/bin/inbox
Size:               3072 kB
Rss:                1332 kB
Anonymous:             0 kB
VmFlags: rd mr mw me sd
5600aa301000-5600aa8f6000 r-xp 00300000 fd:01 4242                       /srv/bin/inbox
Size:               6100 kB
Rss:                5144 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
5600aa8f6000-5600aa952000 r--p 008f5000 fd:01 4242                       /srv/bin/inbox
Size:                368 kB
Rss:                 368 kB
Anonymous:           368 kB
VmFlags: rd mr mw me ac sd
5600aa952000-5600aa959000 rw-p 00950000 fd:01 4242                       /srv/bin/inbox
Size:                 28 kB
Rss:                  28 kB
Anonymous:            12 kB
VmFlags: rd wr mr mw me ac sd
7f3e36a00000-7f3e36b00000 r-xp 00028000 fd:01 777                        /usr/lib/libc.so.6
Size:               1024 kB
Rss:                1100 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
7f3e36c00000-7f3e36c01000 r-xp 00000000 fd:01 4243                       /srv/bin/inbox helper
Size:                  4 kB
Rss:                   4 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
7ffd1a000000-7ffd1a021000 rw-p 00000000 00:00 0                          [stack]
Size:                132 kB
Rss:                  44 kB
Anonymous:            44 kB
VmFlags: rd wr mr mw me gd ac
";

    #[test]
    fn only_the_files_clean_read_only_mappings_are_chosen() {
        let chosen = clean_file_mappings(SMAPS, &["/srv/bin/inbox".to_owned()]);
        assert_eq!(
            chosen,
            vec![
                Mapping {
                    start: 0x5600aa000000,
                    end: 0x5600aa300000,
                    resident_kib: 1332
                },
                Mapping {
                    start: 0x5600aa301000,
                    end: 0x5600aa8f6000,
                    resident_kib: 5144
                },
            ],
            "not the relocated read-only data, not the writable data, not another file"
        );
    }

    #[test]
    fn a_path_with_spaces_is_matched_whole() {
        let chosen = clean_file_mappings(SMAPS, &["/srv/bin/inbox helper".to_owned()]);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].start, 0x7f3e36c00000);
    }

    #[test]
    fn no_mapping_of_another_file_is_chosen() {
        assert!(clean_file_mappings(SMAPS, &["/srv/bin/other".to_owned()]).is_empty());
        assert!(clean_file_mappings("", &["/srv/bin/inbox".to_owned()]).is_empty());
    }

    #[test]
    fn the_mapped_files_are_named_once_each_and_in_order() {
        let files = mapped_files(SMAPS);
        assert_eq!(
            files,
            [
                "/srv/bin/inbox",
                "/srv/bin/inbox helper",
                "/usr/lib/libc.so.6"
            ],
            "each file once, no [stack]"
        );
        let both = clean_file_mappings(SMAPS, &files);
        assert_eq!(
            both.len(),
            4,
            "the binary's two clean mappings, libc's, the helper's"
        );
    }
}
