//! Sizes an instance and the router in front of it must agree on.

/// The largest request body an instance reads. A refused upload is still read to its end up to
/// this size, so that its client gets the answer (a server that stops reading mid-upload makes
/// most clients report a broken connection); the router passes on nothing larger.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024 * 1024;
