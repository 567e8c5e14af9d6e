//! Typed rows of the mirror's tables, one struct per entity.
//!
//! Columns follow the earlier tool's tables (same names) plus the version
//! columns this product adds. `raw_payload` always holds the whole object.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// What every row carries besides its own columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: i32,
    /// QBench `last_updated`, epoch seconds, when the record has it.
    pub last_updated: Option<i64>,
    /// The whole QBench object, NUL characters replaced.
    pub raw_payload: Value,
}

/// A row of `customers`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub envelope: Envelope,
    pub name: String,
    pub date_created: Option<DateTime<Utc>>,
}

/// A row of `orders`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub envelope: Envelope,
    pub custom_formatted_id: Option<String>,
    pub customer_account_id: i32,
    pub date_created: Option<DateTime<Utc>>,
    pub date_completed: Option<DateTime<Utc>>,
    pub date_order_reported: Option<DateTime<Utc>>,
    pub date_received: Option<DateTime<Utc>>,
    pub sample_count: Option<i32>,
    pub test_count: Option<i32>,
    pub state: Option<String>,
}

/// A row of `samples`.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub envelope: Envelope,
    pub sample_name: Option<String>,
    pub custom_formatted_id: Option<String>,
    pub metrc_id: Option<String>,
    pub order_id: i32,
    pub has_report: bool,
    pub batch_ids: Vec<i32>,
    pub completed_date: Option<DateTime<Utc>>,
    pub date_created: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub matrix_type: Option<String>,
    pub sample_type: Option<String>,
    pub state: Option<String>,
    pub test_count: Option<i32>,
    pub sample_weight: Option<f64>,
}

/// A row of `tests`.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRow {
    pub envelope: Envelope,
    pub sample_id: i32,
    pub batch_ids: Vec<i32>,
    pub date_created: Option<DateTime<Utc>>,
    pub state: Option<String>,
    pub has_report: bool,
    pub report_completed_date: Option<DateTime<Utc>>,
    pub label_abbr: Option<String>,
    pub title: Option<String>,
    pub worksheet_raw: Option<Value>,
    pub start_date: Option<DateTime<Utc>>,
    pub complete_date: Option<DateTime<Utc>>,
    pub assay_id: Option<i32>,
}

/// A row of `batches`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    pub envelope: Envelope,
    pub assay_id: Option<i32>,
    pub display_name: Option<String>,
    pub date_created: Option<DateTime<Utc>>,
    pub date_prepared: Option<DateTime<Utc>>,
    pub last_updated_at: Option<DateTime<Utc>>,
    pub sample_ids: Vec<i32>,
    pub test_ids: Vec<i32>,
}

/// A mapped record of any entity.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Customer(CustomerRow),
    Order(OrderRow),
    Sample(SampleRow),
    Test(TestRow),
    Batch(BatchRow),
}

impl Row {
    /// The fields every row has.
    pub fn envelope(&self) -> &Envelope {
        match self {
            Row::Customer(r) => &r.envelope,
            Row::Order(r) => &r.envelope,
            Row::Sample(r) => &r.envelope,
            Row::Test(r) => &r.envelope,
            Row::Batch(r) => &r.envelope,
        }
    }

    /// The id of the required parent, if this kind has one.
    pub fn parent_id(&self) -> Option<i32> {
        match self {
            Row::Customer(_) | Row::Batch(_) => None,
            Row::Order(r) => Some(r.customer_account_id),
            Row::Sample(r) => Some(r.order_id),
            Row::Test(r) => Some(r.sample_id),
        }
    }
}
