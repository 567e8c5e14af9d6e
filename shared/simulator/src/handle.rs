//! The simulator's shared state and [`SimHandle`], the in-process control
//! surface tests use: move the clock, delete records, read the lab's truth,
//! flip behaviour and script faults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use mirror_records::Entity;

use crate::auth::{Credentials, TokenStore};
use crate::changes::ChangeSummary;
use crate::config::{Behaviour, LabSize};
use crate::faults::{FaultRule, Faults};
use crate::lab::{Lab, LabError, SnapshotRow};
use crate::limits::Limits;
use crate::listing::Orderings;

/// Everything the routes and the handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) lab: RwLock<Lab>,
    pub(crate) orderings: Orderings,
    pub(crate) behaviour: Mutex<Behaviour>,
    pub(crate) tokens: TokenStore,
    pub(crate) limits: Limits,
    pub(crate) faults: Faults,
    pub(crate) credentials: Credentials,
    pub(crate) api_calls: AtomicU64,
    pub(crate) size: LabSize,
    pub(crate) timezone: Tz,
}

impl Shared {
    /// The lab for reading. A panic elsewhere cannot leave it half-changed
    /// (changes are made whole under the write lock), so poison is ignored.
    pub(crate) fn lab(&self) -> RwLockReadGuard<'_, Lab> {
        self.lab.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lab_mut(&self) -> RwLockWriteGuard<'_, Lab> {
        self.lab.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The switches as they are now.
    pub(crate) fn behaviour(&self) -> Behaviour {
        *self
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Controls a running simulator; cheap to clone.
#[derive(Debug, Clone)]
pub struct SimHandle {
    pub(crate) shared: Arc<Shared>,
}

impl SimHandle {
    /// The lab's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.lab().now()
    }

    /// Moves the lab's clock forward by `by` and returns what changed.
    ///
    /// The lab works through every event on the way, so a move of years
    /// takes memory and time like generating those years would.
    pub fn advance(&self, by: Duration) -> ChangeSummary {
        self.shared.lab_mut().advance(by)
    }

    /// Moves the lab's clock forward to `until`.
    pub fn advance_to(&self, until: DateTime<Utc>) -> Result<ChangeSummary, LabError> {
        self.shared.lab_mut().advance_to(until)
    }

    /// Deletes records (and their children) one lab-second from now.
    pub fn delete(&self, entity: Entity, ids: &[u64]) -> Result<ChangeSummary, LabError> {
        self.shared.lab_mut().delete(entity, ids)
    }

    /// What a window sync from `window_start` must report when the mirror
    /// last knew the lab at `since` (see [`Lab::window_changes`]).
    pub fn window_changes(
        &self,
        since: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> ChangeSummary {
        self.shared.lab().window_changes(since, window_start)
    }

    /// Every live record of `entity` with its `last_updated`, by id.
    pub fn snapshot(&self, entity: Entity) -> Vec<SnapshotRow> {
        self.shared.lab().snapshot(entity)
    }

    /// How many records of `entity` exist now.
    pub fn live_count(&self, entity: Entity) -> usize {
        self.shared.lab().live_count(entity)
    }

    /// The behaviour switches as they are now.
    pub fn behaviour(&self) -> Behaviour {
        self.shared.behaviour()
    }

    /// Changes behaviour switches; takes effect on the next request.
    pub fn update_behaviour(&self, change: impl FnOnce(&mut Behaviour)) -> Behaviour {
        let mut behaviour = self
            .shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut behaviour);
        *behaviour
    }

    /// Adds a scripted fault after those already in force.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.faults.add(rule);
    }

    /// The scripted faults still in force.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.shared.faults.list()
    }

    /// Removes every scripted fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Expires every access token issued so far; returns how many were valid.
    pub fn expire_tokens(&self) -> usize {
        self.shared.tokens.expire_all()
    }

    /// How many QBench calls (token and data) have been received.
    pub fn api_calls(&self) -> u64 {
        self.shared.api_calls.load(Ordering::Relaxed)
    }
}
