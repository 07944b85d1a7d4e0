//! Placeholder; replaced by the reference server.
