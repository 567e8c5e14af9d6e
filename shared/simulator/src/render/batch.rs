//! Batches: the tests of one assay run together.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use super::{Renderer, object};
use crate::dates::epoch_string;
use crate::lab::id_of;
use crate::model::ASSAYS;

impl Renderer<'_> {
    pub(super) fn batch(&self, i: u32) -> Map<String, Value> {
        let b = &self.records.batches[i as usize];
        let view = self.records.batch_view(i, self.now);
        let assay = ASSAYS[usize::from(b.assay)];
        let id = id_of(Entity::Batch, i);
        let status = match (view.complete, b.closed.by(self.now)) {
            (true, _) => "COMPLETE",
            (false, true) => "IN PROGRESS",
            (false, false) => "OPEN",
        };
        let test_ids: Vec<u64> = view.tests.iter().map(|&t| id_of(Entity::Test, t)).collect();
        let sample_ids: Vec<u64> = view
            .samples
            .iter()
            .map(|&s| id_of(Entity::Sample, s))
            .collect();
        let worksheet_json = if self.style.worksheet && view.complete {
            json!({"rows": test_ids.len(), "template": format!("{} v2", assay.label)})
        } else {
            Value::Null
        };

        object([
            ("id", json!(id)),
            ("assay_id", json!(u64::from(b.assay) + 1)),
            (
                "display_name",
                json!(format!(
                    "{}-{}-{id}",
                    assay.label,
                    self.dates.compact_date(b.created)
                )),
            ),
            ("date_created", self.dates.date_time(b.created)),
            ("date_prepared", self.dates.date_time(view.prepared)),
            ("last_updated", epoch_string(view.last_updated)),
            ("sample_ids", json!(sample_ids)),
            ("test_ids", json!(test_ids)),
            ("tags", json!([])),
            ("worksheet_id", json!(100 + u64::from(b.assay))),
            ("worksheet_json", worksheet_json),
            ("batch_status", json!(status)),
            ("batch_complete", json!(view.complete)),
            ("batch_processed", json!(view.complete)),
        ])
    }
}
