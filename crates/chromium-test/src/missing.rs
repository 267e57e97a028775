//! What a test does when this machine lacks what it needs (Chromium, a Docker engine). `.ci/run`
//! installs all of it, so under `CI=true` a missing one is a broken install and the test fails.
//! Elsewhere the test passes without running, and says so once where `cargo test` shows it.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

/// Fails the test under `CI=true`; otherwise notes `reason` once per test binary and returns, so
/// the caller can return early.
#[track_caller]
pub fn skip_unless_ci(reason: &str) {
    skip_or_fail(reason, in_ci());
}

#[track_caller]
fn skip_or_fail(reason: &str, in_ci: bool) {
    if in_ci {
        panic!("{reason}; CI=true, so this is a failure (.ci/run installs it)");
    }
    static NOTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut noted = NOTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if noted
        .get_or_insert_with(HashSet::new)
        .insert(reason.to_owned())
    {
        // Straight to the terminal: `eprintln!` inside a test is captured and hidden when it passes.
        let _ = writeln!(
            std::io::stderr(),
            "\nnote: tests skipped: {reason} (.ci/run installs it)"
        );
    }
}

/// Whether this runs in CI, as `.ci/run` and the common CI services say (`CI=true` or `CI=1`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

#[cfg(test)]
mod tests {
    use super::skip_or_fail;

    #[test]
    #[should_panic(expected = "no frobnicator; CI=true, so this is a failure")]
    fn under_ci_a_missing_tool_fails_the_test() {
        skip_or_fail("no frobnicator", true);
    }

    #[test]
    fn elsewhere_a_missing_tool_is_noted_and_the_test_passes() {
        skip_or_fail("no frobnicator (a test of the note)", false);
        skip_or_fail("no frobnicator (a test of the note)", false);
    }
}
