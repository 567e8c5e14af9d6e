//! Deletions behind a reader: QBench computes pages per request, so a
//! record deleted among those a pass has already read shifts every later
//! page one place and pushes one record past the reader unread. A pass that
//! pages a list asks QBench's updates feed, now and then, which records
//! were deleted since it last asked, and reads again when one of them is
//! behind it.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use mirror_records::Entity;
use qbench_client::QbenchError;

use crate::engine::{EntityFailure, Syncer};

/// Looks at the end of a pass that may each send the reader back; a lab
/// deleting records all the time still gets its pass finished.
pub const FINAL_LOOKS: u32 = 3;

/// The deletions one pass over one entity has been told of.
pub struct DeletionFeed {
    entity: Entity,
    /// The next look asks for changes since this instant: QBench's time
    /// at the last look (as its answers state it), less `FEED_OVERLAP`.
    since: DateTime<Utc>,
    overlap: Duration,
    /// Deleted ids reported by an earlier look.
    seen: HashSet<i64>,
    /// End-of-pass looks left.
    final_looks: u32,
}

impl DeletionFeed {
    /// Starts watching from `now` (QBench's time); `None` for an entity
    /// without the feed.
    pub fn watch(syncer: &Syncer, entity: Entity, now: DateTime<Utc>) -> Option<DeletionFeed> {
        if !entity.has_updates_feed() {
            return None;
        }
        let overlap = Duration::from_std(syncer.settings.feed_overlap).unwrap_or_default();
        Some(DeletionFeed {
            entity,
            since: now - overlap,
            overlap,
            seen: HashSet::new(),
            final_looks: FINAL_LOOKS,
        })
    }

    /// Ids deleted since the last look and not reported before; `None` when
    /// the tenant turns out to have no feed, after which the caller stops
    /// looking.
    pub async fn new_deletions(
        &mut self,
        syncer: &Syncer,
    ) -> Result<Option<Vec<i64>>, EntityFailure> {
        // QBench's latest stated time, from before this request: changes
        // from then on are all in the next answer.
        let asked = syncer.client.server_time().unwrap_or_else(Utc::now);
        let deleted = match syncer.client.updates(self.entity, self.since).await {
            Ok(updates) => updates.deleted,
            Err(QbenchError::FeedUnavailable { .. }) => return Ok(None),
            Err(e) => return Err(EntityFailure::Feed(e)),
        };
        self.since = asked - self.overlap;
        Ok(Some(
            deleted
                .into_iter()
                .filter(|id| self.seen.insert(*id))
                .collect(),
        ))
    }

    /// Whether one more end-of-pass look is allowed (and counts it).
    pub fn take_final_look(&mut self) -> bool {
        let left = self.final_looks > 0;
        self.final_looks = self.final_looks.saturating_sub(1);
        left
    }
}
