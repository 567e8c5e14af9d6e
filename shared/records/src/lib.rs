//! QBench's five entities and what the mirror knows about them: their names on
//! the wire and in the database, their parents, and how a raw QBench object
//! becomes a typed row.
//!
//! Everything that turns QBench JSON into values lives here, so the loader,
//! the fetcher and the operator tools agree on ids, versions and dates.

mod entity;

pub use entity::{Entity, ParseEntityError};
