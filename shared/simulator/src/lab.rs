//! The generated lab: its records, its clock, and the questions every
//! route asks of it (is this record alive, when did it last change).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use mirror_records::Entity;

use crate::changes::{ChangeSummary, EntityChanges};
use crate::clock::LabTime;
use crate::config::LabSize;
use crate::dates::QbenchDates;
use crate::generate::Streams;
use crate::model::{Batch, Customer, Order, Sample, Test};

/// The first id of each entity; ids count up from there in creation order.
const CUSTOMER_BASE: u64 = 1;
const ORDER_BASE: u64 = 1001;
const SAMPLE_BASE: u64 = 5001;
const TEST_BASE: u64 = 9001;
const BATCH_BASE: u64 = 101;

fn base(entity: Entity) -> u64 {
    match entity {
        Entity::Customer => CUSTOMER_BASE,
        Entity::Order => ORDER_BASE,
        Entity::Sample => SAMPLE_BASE,
        Entity::Test => TEST_BASE,
        Entity::Batch => BATCH_BASE,
    }
}

/// The QBench id of the record at `index`.
pub(crate) fn id_of(entity: Entity, index: u32) -> u64 {
    base(entity) + u64::from(index)
}

/// Every record the lab has ever had, deleted ones included as tombstones.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub(crate) customers: Vec<Customer>,
    pub(crate) orders: Vec<Order>,
    pub(crate) samples: Vec<Sample>,
    pub(crate) tests: Vec<Test>,
    pub(crate) batches: Vec<Batch>,
}

impl Records {
    /// How many records of `entity` exist or existed.
    pub(crate) fn len(&self, entity: Entity) -> u32 {
        let n = match entity {
            Entity::Customer => self.customers.len(),
            Entity::Order => self.orders.len(),
            Entity::Sample => self.samples.len(),
            Entity::Test => self.tests.len(),
            Entity::Batch => self.batches.len(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// When record `i` was created and deleted.
    pub(crate) fn lifespan(&self, entity: Entity, i: u32) -> (LabTime, LabTime) {
        let i = i as usize;
        match entity {
            Entity::Customer => (self.customers[i].created, self.customers[i].deleted),
            Entity::Order => (self.orders[i].created, self.orders[i].deleted),
            Entity::Sample => (self.samples[i].created, self.samples[i].deleted),
            Entity::Test => (self.tests[i].created, self.tests[i].deleted),
            Entity::Batch => (self.batches[i].created, self.batches[i].deleted),
        }
    }

    /// When record `i` was created, if its `date_created` is shown.
    pub(crate) fn shown_created(&self, entity: Entity, i: u32) -> Option<LabTime> {
        if entity == Entity::Customer && !self.customers[i as usize].shows_created {
            return None;
        }
        Some(self.lifespan(entity, i).0)
    }

    /// Whether record `i` exists at `now`.
    pub(crate) fn is_live(&self, entity: Entity, i: u32, now: LabTime) -> bool {
        let (created, deleted) = self.lifespan(entity, i);
        Records::alive(created, deleted, now)
    }

    /// The `last_updated` of record `i` at `now`.
    pub(crate) fn last_updated(&self, entity: Entity, i: u32, now: LabTime) -> LabTime {
        match entity {
            Entity::Customer => {
                let c = &self.customers[i as usize];
                [c.created, c.edited, c.touched]
                    .into_iter()
                    .filter(|at| at.by(now))
                    .fold(c.created, LabTime::latest)
            }
            Entity::Order => self.order_view(i, now).last_updated,
            Entity::Sample => self.sample_view(i, now).last_updated,
            Entity::Test => self.test_view(i, now).last_updated,
            Entity::Batch => self.batch_view(i, now).last_updated,
        }
    }

    /// The index of the record with QBench id `id`, if it exists at `now`.
    pub(crate) fn find(&self, entity: Entity, id: u64, now: LabTime) -> Option<u32> {
        let index = u32::try_from(id.checked_sub(base(entity))?).ok()?;
        (index < self.len(entity) && self.is_live(entity, index, now)).then_some(index)
    }
}

/// One live record's id and version, as a sync should end up holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotRow {
    /// The QBench id.
    pub id: u64,
    /// `last_updated` in Unix seconds.
    pub last_updated: i64,
}

/// A lab could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabError {
    /// The record does not exist (or no longer does).
    #[error("no live {entity} with id {id}")]
    UnknownRecord {
        /// The entity asked for.
        entity: Entity,
        /// The id asked for.
        id: u64,
    },
    /// The clock only moves forward.
    #[error("the lab clock cannot move back to {0}")]
    ClockBackwards(DateTime<Utc>),
}

/// A generated lab and its clock.
#[derive(Debug)]
pub struct Lab {
    pub(crate) now: LabTime,
    pub(crate) records: Records,
    pub(crate) streams: Streams,
    pub(crate) dates: QbenchDates,
    pub(crate) seed: u64,
    /// Bumped on every change, so cached orderings know when to rebuild.
    pub(crate) version: u64,
}

impl Lab {
    /// Generates the history of a lab of `size` that ends at `clock`.
    ///
    /// Deterministic: the same seed, size, clock and zone give the same lab.
    pub fn generate(seed: u64, size: LabSize, clock: DateTime<Utc>, zone: Tz) -> Lab {
        crate::generate::history(seed, size, LabTime::from_utc(clock), QbenchDates::new(zone))
    }

    /// The lab's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.to_utc().unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// How many records of `entity` exist now.
    pub fn live_count(&self, entity: Entity) -> usize {
        self.live_indices(entity).count()
    }

    /// Every live record of `entity` with its `last_updated`, by id.
    pub fn snapshot(&self, entity: Entity) -> Vec<SnapshotRow> {
        self.live_indices(entity)
            .map(|i| SnapshotRow {
                id: id_of(entity, i),
                last_updated: self.records.last_updated(entity, i, self.now).secs(),
            })
            .collect()
    }

    /// Moves the clock forward by `by`, letting the lab work meanwhile.
    pub fn advance(&mut self, by: std::time::Duration) -> ChangeSummary {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.move_to(self.now.plus(secs))
    }

    /// Moves the clock forward to `until`, letting the lab work meanwhile.
    pub fn advance_to(&mut self, until: DateTime<Utc>) -> Result<ChangeSummary, LabError> {
        let until_lab = LabTime::from_utc(until);
        if until_lab < self.now {
            return Err(LabError::ClockBackwards(until));
        }
        Ok(self.move_to(until_lab))
    }

    fn move_to(&mut self, until: LabTime) -> ChangeSummary {
        let from = self.now;
        self.streams.run_until(&mut self.records, until);
        self.now = until;
        self.version += 1;

        self.changes_between(from, until)
    }

    /// Deletes records by id (with their children) one second from now,
    /// and moves the clock to that second.
    pub fn delete(&mut self, entity: Entity, ids: &[u64]) -> Result<ChangeSummary, LabError> {
        let indices = ids
            .iter()
            .map(|&id| {
                self.records
                    .find(entity, id, self.now)
                    .ok_or(LabError::UnknownRecord { entity, id })
            })
            .collect::<Result<Vec<u32>, LabError>>()?;
        let at = self.now.plus(1);
        for index in indices {
            self.records.delete(entity, index, at);
        }

        Ok(self.move_to(at))
    }

    /// Ids changed in `(since, now]`: updated (or created) and deleted.
    pub(crate) fn updates_since(&self, entity: Entity, since: LabTime) -> (Vec<u64>, Vec<u64>) {
        let mut updated = Vec::new();
        let mut deleted = Vec::new();
        for i in 0..self.records.len(entity) {
            let (created, gone) = self.records.lifespan(entity, i);
            if gone > since && gone.by(self.now) && created.by(self.now) {
                deleted.push(id_of(entity, i));
            } else if self.records.is_live(entity, i, self.now)
                && self.records.last_updated(entity, i, self.now) > since
            {
                updated.push(id_of(entity, i));
            }
        }
        (updated, deleted)
    }

    /// What a window sync must report when the mirror last knew the lab at
    /// `since` and the window holds the records created from `window_start`
    /// on: per entity, the records created since (`new`) and the older ones
    /// whose `last_updated` moved (`updated`), among those whose shown
    /// `date_created` is inside the window. Records that show no creation
    /// date belong to no window.
    pub fn window_changes(
        &self,
        since: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> ChangeSummary {
        let start = LabTime::from_utc(window_start);
        let mut summary = self.changes_between(LabTime::from_utc(since), self.now);
        for entity in Entity::ALL {
            let inside = |id: &u64| {
                let index = id
                    .checked_sub(base(entity))
                    .and_then(|i| u32::try_from(i).ok());
                index
                    .and_then(|i| self.records.shown_created(entity, i))
                    .is_some_and(|at| at >= start)
            };
            let changes = summary.of_mut(entity);
            changes.new.retain(|id| inside(id));
            changes.updated.retain(|id| inside(id));
            changes.deleted.retain(|id| inside(id));
        }
        summary
    }

    /// Indices of the records of `entity` alive now, in id order.
    pub(crate) fn live_indices(&self, entity: Entity) -> impl Iterator<Item = u32> + '_ {
        (0..self.records.len(entity)).filter(move |&i| self.records.is_live(entity, i, self.now))
    }

    /// What a sync that knew the lab at `from` must learn to know it at `to`.
    fn changes_between(&self, from: LabTime, to: LabTime) -> ChangeSummary {
        let mut summary = ChangeSummary::empty(from, to);
        for entity in Entity::ALL {
            *summary.of_mut(entity) = self.entity_changes(entity, from, to);
        }
        summary
    }

    fn entity_changes(&self, entity: Entity, from: LabTime, to: LabTime) -> EntityChanges {
        let mut changes = EntityChanges::default();
        for i in 0..self.records.len(entity) {
            let (created, deleted) = self.records.lifespan(entity, i);
            let existed = Records::alive(created, deleted, from);
            let exists = Records::alive(created, deleted, to);
            let id = id_of(entity, i);
            match (existed, exists) {
                (true, false) => changes.deleted.push(id),
                (false, true) => changes.new.push(id),
                (true, true) if self.records.last_updated(entity, i, to) > from => {
                    changes.updated.push(id);
                }
                _ => {}
            }
        }
        changes
    }
}

impl Records {
    /// Deletes record `i` at `at` with its children, and touches its parent.
    pub(crate) fn delete(&mut self, entity: Entity, i: u32, at: LabTime) {
        match entity {
            Entity::Customer => self.customers[i as usize].deleted = at,
            Entity::Batch => self.batches[i as usize].deleted = at,
            Entity::Order => self.delete_order(i, at),
            Entity::Sample => self.delete_sample(i, at),
            Entity::Test => self.delete_test(i, at),
        }
    }

    fn delete_order(&mut self, o: u32, at: LabTime) {
        let order = &mut self.orders[o as usize];
        order.deleted = order.deleted.min(at);
        let (first, count) = (order.first_sample, u32::from(order.sample_count));
        for s in first..first + count {
            self.delete_sample(s, at);
        }
    }

    fn delete_sample(&mut self, s: u32, at: LabTime) {
        let sample = &mut self.samples[s as usize];
        sample.deleted = sample.deleted.min(at);
        let order = sample.order;
        let (first, count) = (sample.first_test, u32::from(sample.test_count));
        for t in first..first + count {
            let test = &mut self.tests[t as usize];
            test.deleted = test.deleted.min(at);
        }
        let parent = &mut self.orders[order as usize];
        parent.touched = parent.touched.max_known(at);
    }

    fn delete_test(&mut self, t: u32, at: LabTime) {
        let test = &mut self.tests[t as usize];
        test.deleted = test.deleted.min(at);
        let sample = test.sample;
        let parent = &mut self.samples[sample as usize];
        parent.touched = parent.touched.max_known(at);
        let order = parent.order;
        let grandparent = &mut self.orders[order as usize];
        grandparent.touched = grandparent.touched.max_known(at);
    }
}
