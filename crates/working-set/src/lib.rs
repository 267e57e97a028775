//! Gives a quiet process's memory back to the system.
//!
//! A process that has run its start-up code holds most of its own executable resident: the kernel
//! maps the 64 KiB around every page fault in a file ("fault-around"), and start-up touches code
//! all over the binary. Those pages are the page cache's, shared by every process of the same
//! binary, but each process's resident set counts them. [`release`] unmaps them from this process
//! (the next access maps the same bytes again, in microseconds) and returns the C allocator's free
//! memory, so an instance that waits for its next request holds little more than its own data.
//!
//! This is the workspace's one crate with `unsafe` code, two calls into the C library, each with
//! the reason it is sound beside it; every other crate forbids `unsafe`.
#![deny(unsafe_code)]

mod mappings;

use std::io;

/// The files whose clean pages [`release`] may drop: the executable and the libraries the loader
/// mapped before `main`. A library opened later (say, by the resolver) is left alone: while the
/// loader maps one, a range of it is briefly read-only before the loader writes to it.
#[derive(Clone, Debug, Default)]
pub struct StartupFiles(Vec<String>);

impl StartupFiles {
    /// Call it first thing in `main`, before any thread starts.
    pub fn capture() -> io::Result<Self> {
        #[cfg(target_os = "linux")]
        let files = mappings::mapped_files(&std::fs::read_to_string("/proc/self/maps")?);
        #[cfg(not(target_os = "linux"))]
        let files = Vec::new();
        Ok(Self(files))
    }
}

/// What one [`release`] gave back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Resident KiB of the start-up files' unmodified pages that were unmapped from this process.
    pub code_kib: u64,
}

/// Unmaps the start-up files' clean pages from this process and trims the allocator's free
/// memory. Safe to call at any time from any thread; a no-op where it is not supported.
pub fn release(files: &StartupFiles) -> io::Result<Released> {
    let code_kib = release_clean_pages(files)?;
    trim_allocator();
    Ok(Released { code_kib })
}

#[cfg(target_os = "linux")]
fn release_clean_pages(files: &StartupFiles) -> io::Result<u64> {
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let mut released = 0;
    for mapping in mappings::clean_file_mappings(&smaps, &files.0) {
        // SAFETY: the range is a whole mapping, by this process, of the executable or a library
        // loaded before `main`; it is private, not writable and holds no copied-on-write
        // (anonymous) page, so every resident page in it is the file's own page from the page
        // cache. MADV_DONTNEED only unmaps those pages, and the next access maps the same bytes
        // back from the file. Nothing makes these mappings writable in between: the loader was
        // done with them before `main`, and it never maps a loaded file again.
        #[allow(unsafe_code)]
        let answer = unsafe {
            libc::madvise(
                mapping.start as *mut libc::c_void,
                mapping.end - mapping.start,
                libc::MADV_DONTNEED,
            )
        };
        if answer != 0 {
            return Err(io::Error::last_os_error());
        }
        released += mapping.resident_kib;
    }
    Ok(released)
}

#[cfg(not(target_os = "linux"))]
fn release_clean_pages(_: &StartupFiles) -> io::Result<u64> {
    Ok(0)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_allocator() {
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the system; it takes the
    // allocator's locks itself, so it may run beside any other thread's malloc or free.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_allocator() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn resident_clean_kib(files: &StartupFiles) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        mappings::clean_file_mappings(&smaps, &files.0)
            .iter()
            .map(|m| m.resident_kib)
            .sum()
    }

    /// Some work that runs code from all over the test binary.
    fn work() -> String {
        let numbers: Vec<u64> = (1..2_000).map(|n| n * n % 977).collect();
        let text = format!("{numbers:?}");
        let mut words: Vec<&str> = text.split(", ").collect();
        words.sort_unstable();
        words.dedup();
        words.join("-")
    }

    #[test]
    fn the_code_pages_leave_the_resident_set_and_the_code_still_runs() {
        let files = StartupFiles::capture().expect("capture");
        let executable = std::fs::read_link("/proc/self/exe").unwrap();
        assert!(
            files
                .0
                .iter()
                .any(|f| std::path::Path::new(f) == executable),
            "{files:?} names the test binary"
        );
        let before_answer = work();
        let before = resident_clean_kib(&files);
        assert!(
            before > 0,
            "the test binary's code is resident while it runs"
        );

        let released = release(&files).expect("release");

        assert!(released.code_kib > 0, "{released:?}");
        let after = resident_clean_kib(&files);
        assert!(
            after < before,
            "resident code {after} KiB after release, {before} KiB before"
        );
        assert_eq!(work(), before_answer, "the same code gives the same answer");
    }
}
