//! Samples: the keys QBench documents, its custom `X_...` fields, and in a
//! detail the sample's tests.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use super::{Renderer, Shape, object, text_or_null};
use crate::clock::DAY;
use crate::dates::epoch_string;
use crate::dice::Dice;
use crate::lab::id_of;
use crate::model::{MATRIX_TYPES, NO_BATCH, SAMPLE_TYPES};

const STRAINS: [&str; 12] = [
    "Blue Dream",
    "Gelato",
    "Wedding Cake",
    "Sour Diesel",
    "GMO Cookies",
    "Runtz",
    "Northern Lights",
    "Jack Herer",
    "Lemon Haze",
    "Gorilla Glue",
    "Zkittlez",
    "Purple Punch",
];

impl Renderer<'_> {
    pub(super) fn sample(&self, i: u32, shape: Shape) -> Map<String, Value> {
        let s = &self.records.samples[i as usize];
        let view = self.records.sample_view(i, self.now);
        let id = id_of(Entity::Sample, i);
        let mut dice = self.dice(Entity::Sample, i);
        let matrix = MATRIX_TYPES[usize::from(s.matrix)];
        let (type_id, type_name) = SAMPLE_TYPES[usize::from(s.sample_type)];

        let mut fields = object([
            ("id", json!(id)),
            ("order_id", json!(id_of(Entity::Order, s.order))),
            (
                "custom_formatted_id",
                json!(format!("S-{}-{id}", self.dates.compact_date(s.created))),
            ),
            (
                "sample_name",
                json!(format!("{} - {matrix}", dice.pick(&STRAINS))),
            ),
            (
                "description",
                text_or_null(
                    dice.chance(300)
                        .then(|| format!("description {}", dice.below(1000))),
                ),
            ),
            (
                "leaf_id",
                text_or_null(dice.chance(850).then(|| metrc_tag(&mut dice))),
            ),
            (
                "accessioning_type",
                json!({"id": type_id, "value": type_name}),
            ),
            ("matrix_type", json!(matrix)),
            ("state", json!(view.state)),
            ("has_report", json!(view.has_report)),
            ("batches", json!(self.sample_batches(i))),
            ("date_created", self.dates.date_time(s.created)),
            ("start_date", self.dates.date_time(view.started)),
            ("completed_date", self.dates.date_time(view.completed)),
            ("test_count", json!(view.test_count)),
            ("sample_weight", weight(&mut dice)),
            ("last_updated", epoch_string(view.last_updated)),
        ]);
        fields.extend(self.custom_fields(&mut dice, i));
        if shape == Shape::Detail {
            fields.insert("tests".into(), self.sample_tests(i));
        }
        fields
    }

    /// The tenant's own sample fields, top-level keys starting with `X_`.
    fn custom_fields(&self, dice: &mut Dice, i: u32) -> Map<String, Value> {
        let created = self.records.samples[i as usize].created;
        let harvest = created.plus(-i64::try_from(10 + dice.below(60)).unwrap_or(10) * DAY);
        object([
            (
                "X_Batch_Number",
                json!(format!("B-{:05}", dice.below(100_000))),
            ),
            (
                "X_Harvest_Date",
                if dice.chance(600) {
                    self.dates.date(harvest)
                } else {
                    Value::Null
                },
            ),
            (
                "X_Unit_Count",
                if dice.chance(400) {
                    json!(1 + dice.below(24))
                } else {
                    Value::Null
                },
            ),
        ])
    }

    /// Ids of the batches its started tests belong to.
    fn sample_batches(&self, i: u32) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .records
            .live_tests(i, self.now)
            .map(|t| &self.records.tests[t as usize])
            .filter(|t| t.batch != NO_BATCH && t.started.by(self.now))
            .map(|t| id_of(Entity::Batch, t.batch))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn sample_tests(&self, i: u32) -> Value {
        let tests: Vec<Value> = self
            .records
            .live_tests(i, self.now)
            .map(|t| self.record(Entity::Test, t, Shape::Detail))
            .collect();
        Value::Array(tests)
    }
}

/// A METRC package tag such as `1A4060300003B4C000012345`.
fn metrc_tag(dice: &mut Dice) -> String {
    format!(
        "1A40603000{:04X}{:010}",
        dice.below(0x10000),
        dice.below(10_000_000_000)
    )
}

/// Grams with the unit inside the string, as QBench stores it.
fn weight(dice: &mut Dice) -> Value {
    if dice.chance(100) {
        return Value::Null;
    }
    let centigrams = 50 + dice.below(2_000);
    json!(format!("{}.{:02}g", centigrams / 100, centigrams % 100))
}
