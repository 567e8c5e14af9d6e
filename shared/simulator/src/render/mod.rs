//! Records rendered as QBench's JSON, one request at a time.
//!
//! Nothing is kept rendered: a page of 50 rows is built from the compact
//! records when asked for, which keeps a medium lab in tens of megabytes.
//! Fixed details (phone numbers, which optional fields are null) come from
//! [`Dice`] so every request shows the same record the same way.

mod batch;
mod customer;
mod order;
mod sample;
mod test;

use mirror_records::Entity;
use serde_json::{Map, Value};

use crate::clock::LabTime;
use crate::dates::QbenchDates;
use crate::dice::Dice;
use crate::lab::{Lab, Records, id_of};
use crate::odd;

/// Fields QBench leaves out of list rows of tests and samples.
const DETAIL_ONLY: [&str; 5] = [
    "has_report",
    "report_completed_date",
    "label_abbr",
    "title",
    "worksheet_data",
];

/// Whether a record is a row of a list page or a detail answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    ListRow,
    Detail,
}

/// How rows are rendered for one request.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Style {
    /// List rows of tests and samples lack the detail-only fields.
    pub(crate) sparse_list_rows: bool,
    /// Some records carry odd values.
    pub(crate) odd_values: bool,
    /// Worksheet values were asked for.
    pub(crate) worksheet: bool,
}

/// Renders the records of one lab at its current time.
pub(crate) struct Renderer<'a> {
    records: &'a Records,
    now: LabTime,
    dates: QbenchDates,
    seed: u64,
    style: Style,
}

impl<'a> Renderer<'a> {
    /// A renderer of `lab` as it is now.
    pub(crate) fn new(lab: &'a Lab, style: Style) -> Self {
        Renderer {
            records: &lab.records,
            now: lab.now,
            dates: lab.dates,
            seed: lab.seed,
            style,
        }
    }

    /// Record `i` of `entity` as QBench shows it.
    pub(crate) fn record(&self, entity: Entity, i: u32, shape: Shape) -> Value {
        let mut fields = match entity {
            Entity::Customer => self.customer(i),
            Entity::Order => self.order(i, shape),
            Entity::Sample => self.sample(i, shape),
            Entity::Test => self.test(i),
            Entity::Batch => self.batch(i),
        };
        let sparse = shape == Shape::ListRow && self.style.sparse_list_rows;
        if sparse && matches!(entity, Entity::Sample | Entity::Test) {
            for key in DETAIL_ONLY {
                fields.remove(key);
            }
        }
        if self.style.odd_values {
            odd::disturb(self.seed, entity, id_of(entity, i), &mut fields);
        }
        Value::Object(fields)
    }

    /// The stable draws of record `i` of `entity`.
    fn dice(&self, entity: Entity, i: u32) -> Dice {
        Dice::of(self.seed, entity, id_of(entity, i))
    }
}

/// Builds a JSON object from key/value pairs.
fn object<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `Some(text)` as a string, `None` as null.
fn text_or_null(text: Option<String>) -> Value {
    text.map_or(Value::Null, Value::String)
}
