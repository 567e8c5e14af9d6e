//! The entity kinds QBench exposes and the relations between them.

use std::fmt;
use std::str::FromStr;

/// One of the QBench record kinds the mirror copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Customer,
    Order,
    Sample,
    Batch,
    Test,
}

impl Entity {
    /// Every entity in dependency order: parents before children.
    pub const ALL: [Entity; 5] = [
        Entity::Customer,
        Entity::Order,
        Entity::Sample,
        Entity::Batch,
        Entity::Test,
    ];

    /// The singular name QBench uses in its URLs and the mirror in subjects.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Order => "order",
            Entity::Sample => "sample",
            Entity::Batch => "batch",
            Entity::Test => "test",
        }
    }

    /// The table the earlier tool used for this entity (kept for compatibility).
    pub fn table(self) -> &'static str {
        match self {
            Entity::Customer => "customers",
            Entity::Order => "orders",
            Entity::Sample => "samples",
            Entity::Batch => "batches",
            Entity::Test => "tests",
        }
    }

    /// The required parent of a record of this kind, with the key naming it.
    ///
    /// Batches link to samples and tests by id arrays, but a batch without
    /// them is still a valid batch, so it has no required parent.
    pub fn parent(self) -> Option<(Entity, &'static str)> {
        match self {
            Entity::Customer | Entity::Batch => None,
            Entity::Order => Some((Entity::Customer, "customer_account_id")),
            Entity::Sample => Some((Entity::Order, "order_id")),
            Entity::Test => Some((Entity::Sample, "sample_id")),
        }
    }

    /// Whether QBench offers the `updates/<entity>` change feed for it.
    pub fn has_updates_feed(self) -> bool {
        !matches!(self, Entity::Batch)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so widths and alignment in format strings apply.
        f.pad(self.as_str())
    }
}

/// The text named no known entity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entity {0:?}: expected one of customer, order, sample, batch, test")]
pub struct ParseEntityError(String);

impl FromStr for Entity {
    type Err = ParseEntityError;

    /// Accepts the singular and the table (plural) name, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Entity::ALL
            .into_iter()
            .find(|e| e.as_str() == wanted || e.table() == wanted)
            .ok_or_else(|| ParseEntityError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_parses_singular_and_plural_names() {
        assert_eq!("Sample".parse::<Entity>(), Ok(Entity::Sample));
        assert_eq!("batches".parse::<Entity>(), Ok(Entity::Batch));
        assert!("widget".parse::<Entity>().is_err());
    }

    #[test]
    fn a_name_fills_the_width_it_is_given() {
        assert_eq!(format!("[{:<9}]", Entity::Order), "[order    ]");
        assert_eq!(format!("[{:>6}]", Entity::Test), "[  test]");
    }

    #[test]
    fn every_parent_comes_before_its_child() {
        for (i, e) in Entity::ALL.iter().enumerate() {
            if let Some((parent, _)) = e.parent() {
                let p = Entity::ALL.iter().position(|x| *x == parent);
                assert!(p.is_some_and(|p| p < i), "{e} before its parent");
            }
        }
    }
}
