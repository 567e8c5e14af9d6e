//! QBench's five entities and what the mirror knows about them: their names on
//! the wire and in the database, their parents, and how a raw QBench object
//! becomes a typed row.
//!
//! Everything that turns QBench JSON into values lives here, so the loader,
//! the fetcher and the operator tools agree on ids, versions and dates.

mod dates;
mod entity;
mod mapping;
mod rows;
mod values;
mod version;

pub use dates::{parse_datetime, wall_time_in};
pub use entity::{Entity, ParseEntityError};
pub use mapping::{last_updated, map_record, record_id};
pub use rows::{BatchRow, CustomerRow, Envelope, OrderRow, Row, SampleRow, TestRow};
pub use values::storable;
pub use version::version_of;

/// A raw object could not be mapped to a row; the record is set aside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("record is not a JSON object")]
    NotAnObject,
    #[error("required key {0} is missing or empty")]
    Missing(&'static str),
    #[error("key {key} has an unreadable value {value}")]
    Invalid { key: String, value: String },
}

impl MappingError {
    fn invalid(key: &str, value: &serde_json::Value) -> Self {
        let mut value = value.to_string();
        if value.len() > 80 {
            value = format!("{}…", value.chars().take(80).collect::<String>());
        }
        MappingError::Invalid {
            key: key.to_owned(),
            value,
        }
    }
}
