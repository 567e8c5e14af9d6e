//! One module per command.

pub mod fetch;
pub mod skipped;
pub mod status;
pub mod sync;
pub mod verify;
