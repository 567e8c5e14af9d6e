//! Tests, with their assay, results once completed and, when asked for,
//! worksheet values.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use super::{Renderer, object};
use crate::dates::epoch_string;
use crate::dice::Dice;
use crate::lab::id_of;
use crate::lifecycle::TestView;
use crate::model::{ASSAYS, NO_BATCH};

impl Renderer<'_> {
    pub(super) fn test(&self, i: u32) -> Map<String, Value> {
        let t = &self.records.tests[i as usize];
        let view = self.records.test_view(i, self.now);
        let assay = ASSAYS[usize::from(t.assay)];
        let assay_id = u64::from(t.assay) + 1;
        let mut dice = self.dice(Entity::Test, i);
        let batches = if t.batch != NO_BATCH && !view.started.is_never() {
            vec![id_of(Entity::Batch, t.batch)]
        } else {
            Vec::new()
        };

        let mut fields = object([
            ("id", json!(id_of(Entity::Test, i))),
            ("sample_id", json!(id_of(Entity::Sample, t.sample))),
            ("assay_id", json!(assay_id)),
            (
                "assay",
                json!({"id": assay_id, "title": assay.title, "label_abbr": assay.label}),
            ),
            ("label_abbr", json!(assay.label)),
            ("title", json!(assay.title)),
            ("state", json!(view.state.as_str())),
            ("batches", json!(batches)),
            ("date_created", self.dates.date_time(t.created)),
            ("start_date", self.dates.date_time(view.started)),
            ("complete_date", self.dates.date_time(view.completed)),
            ("has_report", json!(!view.reported.is_never())),
            ("report_completed_date", self.dates.date_time(view.reported)),
            ("results", results(&view, assay.label, &mut dice)),
            (
                "tech_id",
                if view.started.is_never() {
                    Value::Null
                } else {
                    json!(1 + dice.below(12))
                },
            ),
            (
                "panel_id",
                if dice.chance(400) {
                    json!(1 + dice.below(20))
                } else {
                    Value::Null
                },
            ),
            ("tags", json!([])),
            ("last_updated", epoch_string(view.last_updated)),
        ]);
        if self.style.worksheet {
            fields.insert("worksheet_data".into(), worksheet(&view, &mut dice));
        }
        fields
    }
}

/// A result line once the test has completed.
fn results(view: &TestView, label: &str, dice: &mut Dice) -> Value {
    if view.completed.is_never() {
        return Value::Null;
    }
    let tenths = dice.below(350);
    match label {
        "CN" => json!(format!("{}.{} % THC", tenths / 10, tenths % 10)),
        "MB" | "YM" | "PN" => json!(if dice.chance(950) { "Pass" } else { "Fail" }),
        _ => json!(format!("{}.{}", tenths / 10, tenths % 10)),
    }
}

/// Worksheet cells: filled in as the test runs.
fn worksheet(view: &TestView, dice: &mut Dice) -> Value {
    if view.started.is_never() {
        return Value::Null;
    }
    let milligrams = 200 + dice.below(800);
    json!({
        "sample_mass_mg": milligrams,
        "dilution_factor": 10 * (1 + dice.below(5)),
        "instrument": format!("HPLC-{}", 1 + dice.below(4)),
        "reviewed": !view.completed.is_never(),
    })
}
