//! Mapped rows as `COPY ... (FORMAT csv)` input, one line per row.
//!
//! Every non-null field is quoted, so an empty string stays an empty string
//! and only an unquoted empty field reads as NULL.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use mirror_records::{BatchRow, CustomerRow, Entity, OrderRow, Row, SampleRow, TestRow};
use serde_json::Value;

/// The columns the loader writes, in the order each line carries them.
#[rustfmt::skip]
pub fn columns(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Customer => &[
            "id", "name", "date_created",
            "raw_payload", "source_version", "source_sequence", "fetched_at",
        ],
        Entity::Order => &[
            "id", "custom_formatted_id", "customer_account_id", "date_created",
            "date_completed", "date_order_reported", "date_received", "sample_count",
            "test_count", "state",
            "raw_payload", "source_version", "source_sequence", "fetched_at",
        ],
        Entity::Sample => &[
            "id", "sample_name", "custom_formatted_id", "metrc_id", "order_id", "has_report",
            "batch_ids", "completed_date", "date_created", "start_date", "matrix_type",
            "sample_type", "state", "test_count", "sample_weight",
            "raw_payload", "source_version", "source_sequence", "fetched_at",
        ],
        Entity::Test => &[
            "id", "sample_id", "batch_ids", "date_created", "state", "has_report",
            "report_completed_date", "label_abbr", "title", "worksheet_raw", "start_date",
            "complete_date", "assay_id",
            "raw_payload", "source_version", "source_sequence", "fetched_at",
        ],
        Entity::Batch => &[
            "id", "assay_id", "display_name", "date_created", "date_prepared",
            "last_updated", "sample_ids", "test_ids",
            "raw_payload", "source_version", "source_sequence", "fetched_at",
        ],
    }
}

/// One entity's rows, encoded and ready to send.
pub struct EncodedBatch {
    pub entity: Entity,
    /// Rows encoded into `csv`.
    pub records: usize,
    /// Tombstones and unmappable records: read, but no row.
    pub not_loaded: usize,
    pub csv: Vec<u8>,
}

impl EncodedBatch {
    /// An empty batch of `entity`.
    pub fn new(entity: Entity) -> Self {
        EncodedBatch {
            entity,
            records: 0,
            not_loaded: 0,
            csv: Vec::new(),
        }
    }

    /// Appends one row with its version columns.
    pub fn push(&mut self, row: &Row, sequence: i64, fetched_at: DateTime<Utc>) {
        let mut line = Line::default();
        let envelope = row.envelope();
        line.int(Some(envelope.id));
        match row {
            Row::Customer(r) => customer(&mut line, r),
            Row::Order(r) => order(&mut line, r),
            Row::Sample(r) => sample(&mut line, r),
            Row::Test(r) => test(&mut line, r),
            Row::Batch(r) => batch(&mut line, r),
        }
        line.json(Some(&envelope.raw_payload));
        line.int(envelope.last_updated);
        line.int(Some(sequence));
        line.time(Some(fetched_at));

        self.csv.extend_from_slice(line.finish().as_bytes());
        self.records += 1;
    }
}

fn customer(line: &mut Line, r: &CustomerRow) {
    line.text(Some(&r.name));
    line.time(r.date_created);
}

fn order(line: &mut Line, r: &OrderRow) {
    line.text(r.custom_formatted_id.as_deref());
    line.int(Some(r.customer_account_id));
    line.time(r.date_created);
    line.time(r.date_completed);
    line.time(r.date_order_reported);
    line.time(r.date_received);
    line.int(r.sample_count);
    line.int(r.test_count);
    line.text(r.state.as_deref());
}

fn sample(line: &mut Line, r: &SampleRow) {
    line.text(r.sample_name.as_deref());
    line.text(r.custom_formatted_id.as_deref());
    line.text(r.metrc_id.as_deref());
    line.int(Some(r.order_id));
    line.flag(r.has_report);
    line.ids(&r.batch_ids);
    line.time(r.completed_date);
    line.time(r.date_created);
    line.time(r.start_date);
    line.text(r.matrix_type.as_deref());
    line.text(r.sample_type.as_deref());
    line.text(r.state.as_deref());
    line.int(r.test_count);
    line.float(r.sample_weight);
}

fn test(line: &mut Line, r: &TestRow) {
    line.int(Some(r.sample_id));
    line.ids(&r.batch_ids);
    line.time(r.date_created);
    line.text(r.state.as_deref());
    line.flag(r.has_report);
    line.time(r.report_completed_date);
    line.text(r.label_abbr.as_deref());
    line.text(r.title.as_deref());
    line.json(r.worksheet_raw.as_ref());
    line.time(r.start_date);
    line.time(r.complete_date);
    line.int(r.assay_id);
}

fn batch(line: &mut Line, r: &BatchRow) {
    line.int(r.assay_id);
    line.text(r.display_name.as_deref());
    line.time(r.date_created);
    line.time(r.date_prepared);
    line.time(r.last_updated_at);
    line.ids(&r.sample_ids);
    line.ids(&r.test_ids);
}

/// One CSV line under construction.
#[derive(Default)]
struct Line {
    text: String,
    fields: usize,
}

impl Line {
    fn separate(&mut self) {
        if self.fields > 0 {
            self.text.push(',');
        }
        self.fields += 1;
    }

    fn null(&mut self) {
        self.separate();
    }

    fn quoted(&mut self, value: &str) {
        self.separate();
        self.text.push('"');
        for c in value.chars() {
            if c == '"' {
                self.text.push('"');
            }
            self.text.push(c);
        }
        self.text.push('"');
    }

    fn text(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.quoted(v),
            None => self.null(),
        }
    }

    fn int(&mut self, value: Option<impl std::fmt::Display>) {
        self.separate();
        if let Some(v) = value {
            let _ = write!(self.text, "{v}");
        }
    }

    fn float(&mut self, value: Option<f64>) {
        self.int(value);
    }

    fn flag(&mut self, value: bool) {
        self.int(Some(value));
    }

    fn time(&mut self, value: Option<DateTime<Utc>>) {
        self.int(value.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    }

    fn json(&mut self, value: Option<&Value>) {
        match value {
            Some(v) => self.quoted(&v.to_string()),
            None => self.null(),
        }
    }

    /// An id list as a PostgreSQL array literal, `{1,2,3}`.
    fn ids(&mut self, ids: &[i32]) {
        let items: Vec<String> = ids.iter().map(i32::to_string).collect();
        self.quoted(&format!("{{{}}}", items.join(",")));
    }

    fn finish(mut self) -> String {
        self.text.push('\n');
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_stay_unquoted_and_quotes_are_doubled() {
        let mut line = Line::default();
        line.int(Some(7));
        line.text(None);
        line.text(Some(""));
        line.text(Some("say \"hi\""));
        line.ids(&[1, 2]);

        assert_eq!(line.finish(), "7,,\"\",\"say \"\"hi\"\"\",\"{1,2}\"\n");
    }
}
