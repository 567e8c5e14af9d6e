//! One module per command.

pub mod banlist;
pub mod dlq;
pub mod fetch;
pub mod replay;
pub mod skipped;
pub mod status;
pub mod sync;
pub mod users;
pub mod verify;
pub mod window;
