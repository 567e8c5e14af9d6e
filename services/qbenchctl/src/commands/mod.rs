//! One module per command.

pub mod banlist;
pub mod fetch;
pub mod skipped;
pub mod status;
pub mod sync;
pub mod users;
pub mod verify;
