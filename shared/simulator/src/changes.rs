//! What moving the lab's clock changed, entity by entity, so a test can
//! check that an incremental sync picked up exactly that.

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use serde::Serialize;

use crate::clock::LabTime;

/// The ids that appeared, changed and vanished between two lab times.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntityChanges {
    /// Records that did not exist at the start and exist at the end.
    pub new: Vec<u64>,
    /// Records that existed throughout and got a newer `last_updated`.
    pub updated: Vec<u64>,
    /// Records that existed at the start and not at the end.
    pub deleted: Vec<u64>,
}

impl EntityChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }
}

/// Every change of one clock move, per entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeSummary {
    /// The lab time before the move.
    pub from: DateTime<Utc>,
    /// The lab time after the move.
    pub to: DateTime<Utc>,
    pub customer: EntityChanges,
    pub order: EntityChanges,
    pub sample: EntityChanges,
    pub test: EntityChanges,
    pub batch: EntityChanges,
}

impl ChangeSummary {
    pub(crate) fn empty(from: LabTime, to: LabTime) -> Self {
        let utc = |at: LabTime| at.to_utc().unwrap_or(DateTime::UNIX_EPOCH);
        ChangeSummary {
            from: utc(from),
            to: utc(to),
            customer: EntityChanges::default(),
            order: EntityChanges::default(),
            sample: EntityChanges::default(),
            test: EntityChanges::default(),
            batch: EntityChanges::default(),
        }
    }

    /// The changes of one entity.
    pub fn of(&self, entity: Entity) -> &EntityChanges {
        match entity {
            Entity::Customer => &self.customer,
            Entity::Order => &self.order,
            Entity::Sample => &self.sample,
            Entity::Test => &self.test,
            Entity::Batch => &self.batch,
        }
    }

    pub(crate) fn of_mut(&mut self, entity: Entity) -> &mut EntityChanges {
        match entity {
            Entity::Customer => &mut self.customer,
            Entity::Order => &mut self.order,
            Entity::Sample => &mut self.sample,
            Entity::Test => &mut self.test,
            Entity::Batch => &mut self.batch,
        }
    }
}
