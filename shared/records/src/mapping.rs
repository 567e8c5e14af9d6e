//! Raw QBench objects to typed rows.
//!
//! Mapping is strict where a wrong value would corrupt the mirror (ids,
//! parents, dates) and lenient where QBench is known to vary (numbers as
//! strings, `{}` for nothing). A record that cannot be mapped is refused with
//! a reason naming the key, and the caller sets it aside alone.

use chrono_tz::Tz;
use serde_json::Value;

use crate::dates::{parse_datetime, parse_epoch};
use crate::rows::{BatchRow, CustomerRow, Envelope, OrderRow, Row, SampleRow, TestRow};
use crate::values::{
    Object, boolean, first, id_list, int32, int32_at, leading_number, storable, text_at,
};
use crate::{Entity, MappingError};

/// Maps one raw QBench object of `entity`; wall times are read in `zone`.
pub fn map_record(entity: Entity, raw: &Value, zone: Tz) -> Result<Row, MappingError> {
    let object = raw.as_object().ok_or(MappingError::NotAnObject)?;
    let reader = Reader { object, zone };
    let envelope = reader.envelope()?;
    Ok(match entity {
        Entity::Customer => Row::Customer(reader.customer(envelope)?),
        Entity::Order => Row::Order(reader.order(envelope)?),
        Entity::Sample => Row::Sample(reader.sample(envelope)?),
        Entity::Test => Row::Test(reader.test(envelope)?),
        Entity::Batch => Row::Batch(reader.batch(envelope)?),
    })
}

/// Reads the id of a raw object without mapping the rest.
pub fn record_id(raw: &Value) -> Result<i32, MappingError> {
    let object = raw.as_object().ok_or(MappingError::NotAnObject)?;
    int32_at(object, "id")?.ok_or(MappingError::Missing("id"))
}

/// Reads `last_updated` as epoch seconds, if the record has it.
pub fn last_updated(raw: &Value) -> Result<Option<i64>, MappingError> {
    match raw.get("last_updated") {
        None => Ok(None),
        Some(value) => Ok(parse_epoch("last_updated", value)?.map(|t| t.timestamp())),
    }
}

struct Reader<'a> {
    object: &'a Object,
    zone: Tz,
}

impl Reader<'_> {
    fn envelope(&self) -> Result<Envelope, MappingError> {
        let raw = Value::Object(self.object.clone());
        Ok(Envelope {
            id: record_id(&raw)?,
            last_updated: last_updated(&raw)?,
            raw_payload: storable(&raw),
        })
    }

    fn date(&self, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, MappingError> {
        self.object
            .get(key)
            .map_or(Ok(None), |v| parse_datetime(key, v, self.zone))
    }

    /// The first of `keys` present with a date; older tenants renamed some.
    fn date_of(
        &self,
        keys: &[&str],
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, MappingError> {
        let key = keys
            .iter()
            .find(|k| self.object.get(**k).is_some_and(|v| !v.is_null()));
        key.map_or(Ok(None), |k| self.date(k))
    }

    fn int(&self, key: &str) -> Result<Option<i32>, MappingError> {
        int32_at(self.object, key)
    }

    fn parent(&self, key: &'static str) -> Result<i32, MappingError> {
        self.int(key)?.ok_or(MappingError::Missing(key))
    }

    fn flag(&self, key: &str) -> Result<bool, MappingError> {
        Ok(self
            .object
            .get(key)
            .map_or(Ok(None), |v| boolean(key, v))?
            .unwrap_or(false))
    }

    fn ids(&self, key: &str) -> Result<Vec<i32>, MappingError> {
        self.object
            .get(key)
            .map_or(Ok(Vec::new()), |v| id_list(key, v))
    }

    fn text(&self, keys: &[&str]) -> Option<String> {
        text_at(self.object, keys)
    }

    /// Text from a key of a nested object, e.g. `assay.label_abbr`.
    fn nested_text(&self, outer: &str, inner: &str) -> Option<String> {
        let nested = self.object.get(outer)?.as_object()?;
        text_at(nested, &[inner])
    }

    fn customer(&self, envelope: Envelope) -> Result<CustomerRow, MappingError> {
        let name = self
            .text(&["customer_name", "name"])
            .ok_or(MappingError::Missing("customer_name"))?;
        Ok(CustomerRow {
            envelope,
            name,
            date_created: self.date("date_created")?,
        })
    }

    fn order(&self, envelope: Envelope) -> Result<OrderRow, MappingError> {
        Ok(OrderRow {
            envelope,
            custom_formatted_id: self.text(&["custom_formatted_id"]),
            customer_account_id: self.parent("customer_account_id")?,
            date_created: self.date("date_created")?,
            date_completed: self.date("date_completed")?,
            date_order_reported: self.date("date_order_reported")?,
            date_received: self.date("date_received")?,
            sample_count: self.int("sample_count")?,
            test_count: self.int("test_count")?,
            state: self.text(&["state"]),
        })
    }

    fn sample(&self, envelope: Envelope) -> Result<SampleRow, MappingError> {
        Ok(SampleRow {
            envelope,
            sample_name: self.text(&["sample_name", "description"]),
            custom_formatted_id: self.text(&["custom_formatted_id"]),
            metrc_id: self.text(&["leaf_id"]),
            order_id: self.parent("order_id")?,
            has_report: self.flag("has_report")?,
            batch_ids: self.ids("batches")?,
            completed_date: self.date_of(&["completed_date", "complete_date"])?,
            date_created: self.date("date_created")?,
            start_date: self.date("start_date")?,
            matrix_type: self.text(&["matrix_type"]),
            sample_type: self.nested_text("accessioning_type", "value"),
            state: self.text(&["state"]),
            test_count: self.int("test_count")?,
            // numeric(18,2) holds less than 1e16; anything larger is not a weight.
            sample_weight: first(self.object, &["sample_weight"])
                .and_then(leading_number)
                .filter(|w| w.is_finite() && w.abs() < 1e15),
        })
    }

    fn test(&self, envelope: Envelope) -> Result<TestRow, MappingError> {
        let worksheet = first(self.object, &["worksheet_data"])
            .cloned()
            .map(|v| storable(&v));
        let assay_id = match self.int("assay_id")? {
            Some(id) => Some(id),
            None => self
                .object
                .get("assay")
                .and_then(|a| a.get("id"))
                .map_or(Ok(None), |v| int32("assay.id", v))?,
        };
        Ok(TestRow {
            envelope,
            sample_id: self.parent("sample_id")?,
            batch_ids: self.ids("batches")?,
            date_created: self.date("date_created")?,
            state: self.text(&["state"]),
            has_report: self.flag("has_report")?,
            report_completed_date: self.date("report_completed_date")?,
            label_abbr: self
                .text(&["label_abbr"])
                .or_else(|| self.nested_text("assay", "label_abbr")),
            title: self
                .text(&["title"])
                .or_else(|| self.nested_text("assay", "title")),
            worksheet_raw: worksheet,
            start_date: self.date("start_date")?,
            complete_date: self.date("complete_date")?,
            assay_id,
        })
    }

    fn batch(&self, envelope: Envelope) -> Result<BatchRow, MappingError> {
        let last_updated_at = envelope
            .last_updated
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
        Ok(BatchRow {
            envelope,
            assay_id: self.int("assay_id")?,
            display_name: self.text(&["display_name"]),
            date_created: self.date("date_created")?,
            date_prepared: self.date("date_prepared")?,
            last_updated_at,
            sample_ids: self.ids("sample_ids")?,
            test_ids: self.ids("test_ids")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_test_reads_odd_but_valid_values() {
        let raw = json!({
            "id": "42", "sample_id": "77", "last_updated": 1683920116,
            "state": null, "tech": {}, "worksheet_json": "",
            "assay": {"id": 5, "title": "Potency", "label_abbr": "CN"},
            "batches": ["3"], "description": "ok \u{1F600} \u{0}", "surprise": true
        });

        let Row::Test(test) = map_record(Entity::Test, &raw, Tz::UTC).unwrap() else {
            panic!("not a test row");
        };

        assert_eq!(test.envelope.id, 42);
        assert_eq!(test.sample_id, 77);
        assert_eq!(test.envelope.last_updated, Some(1683920116));
        assert_eq!(test.label_abbr.as_deref(), Some("CN"));
        assert_eq!(test.assay_id, Some(5));
        assert_eq!(test.batch_ids, vec![3]);
        assert_eq!(
            test.envelope.raw_payload["description"],
            json!("ok \u{1F600} \u{FFFD}")
        );
        assert_eq!(test.envelope.raw_payload["surprise"], json!(true));
    }

    #[test]
    fn a_test_without_its_sample_is_refused_with_the_key() {
        let err = map_record(Entity::Test, &json!({"id": 1}), Tz::UTC).unwrap_err();
        assert_eq!(err, MappingError::Missing("sample_id"));
    }

    #[test]
    fn a_garbled_parent_id_is_refused() {
        let raw = json!({"id": 1, "sample_id": "seventy-seven"});
        let err = map_record(Entity::Test, &raw, Tz::UTC).unwrap_err();
        assert!(err.to_string().contains("sample_id"), "{err}");
    }

    #[test]
    fn a_sample_reads_its_type_and_weight() {
        let raw = json!({
            "id": 7, "order_id": 3, "accessioning_type": {"id": 3, "value": "Adult Use"},
            "sample_weight": "6.34g", "complete_date": "03/04/2026 10:00 AM", "leaf_id": "1A4"
        });

        let Row::Sample(sample) = map_record(Entity::Sample, &raw, Tz::UTC).unwrap() else {
            panic!("not a sample row");
        };

        assert_eq!(sample.sample_type.as_deref(), Some("Adult Use"));
        assert_eq!(sample.sample_weight, Some(6.34));
        assert_eq!(sample.metrc_id.as_deref(), Some("1A4"));
        assert!(sample.completed_date.is_some());
    }
}
