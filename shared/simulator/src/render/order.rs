//! Orders, with the keys of real order pages; a detail nests its samples,
//! each with its tests.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use super::customer::division;
use super::{Renderer, Shape, object, text_or_null};
use crate::clock::HOUR;
use crate::dates::epoch_string;
use crate::dice::Dice;
use crate::lab::id_of;
use crate::lifecycle::OrderView;

impl Renderer<'_> {
    pub(super) fn order(&self, i: u32, shape: Shape) -> Map<String, Value> {
        let o = &self.records.orders[i as usize];
        let view = self.records.order_view(i, self.now);
        let id = id_of(Entity::Order, i);
        let mut dice = self.dice(Entity::Order, i);

        let mut fields = object([
            ("id", json!(id)),
            (
                "custom_formatted_id",
                json!(format!("ORD-{}-{id}", self.dates.compact_date(o.created))),
            ),
            (
                "customer_account_id",
                json!(id_of(Entity::Customer, o.customer)),
            ),
            ("state", json!(view.state)),
            ("date_created", self.dates.date_time(o.created)),
            ("date_received", self.dates.date_time(o.received)),
            ("date_completed", self.dates.date_time(view.completed)),
            ("date_order_reported", self.dates.date(view.reported)),
            ("sample_count", json!(view.sample_count)),
            ("test_count", json!(view.test_count)),
            ("last_updated", epoch_string(view.last_updated)),
        ]);
        fields.extend(self.order_flags(&view, &mut dice));
        fields.extend(self.cannabis_sync(&view, &mut dice));
        fields.extend(unused_order_fields());
        if dice.chance(500) {
            let collected = o
                .created
                .plus(-i64::try_from(dice.below(20)).unwrap_or(0) * HOUR);
            fields.insert("collected_datetime".into(), self.dates.date_time(collected));
        }
        if shape == Shape::Detail {
            fields.insert("samples".into(), self.order_samples(i));
        }
        fields
    }

    fn order_flags(&self, view: &OrderView, dice: &mut Dice) -> Map<String, Value> {
        let reported = !view.reported.is_never();
        let emails = 1 + dice.below(3);
        let email_to: Vec<String> = (0..emails)
            .map(|_| format!("contact{}@example.com", dice.below(1000)))
            .collect();
        object([
            ("has_report", json!(reported && dice.chance(200))),
            ("report_emailed", json!(reported && dice.chance(100))),
            ("partially_complete", json!(view.partially_complete)),
            (
                "email_to",
                text_or_null(dice.chance(760).then(|| email_to.join(","))),
            ),
            (
                "customer_comments",
                text_or_null(
                    dice.chance(40)
                        .then(|| format!("customer comments {}", dice.below(1000))),
                ),
            ),
            ("division", division()),
            ("division_id", json!(3)),
            ("tags", json!([])),
            ("collected_mcr", json!(false)),
        ])
    }

    /// The fields of the state-traceability link, filled on a share of orders.
    fn cannabis_sync(&self, view: &OrderView, dice: &mut Dice) -> Map<String, Value> {
        if !dice.chance(280) {
            return object([
                ("cc_id", Value::Null),
                ("cc_latest_sync", Value::Null),
                ("cc_order", Value::Null),
                ("cc_order_status", Value::Null),
                ("cc_sync_status", Value::Null),
            ]);
        }
        let synced = view.last_updated.floor_hour().plus(120).min(self.now);
        object([
            (
                "cc_id",
                json!(format!("{:011X}", dice.below(0x0FFF_FFFF_FFFF))),
            ),
            ("cc_latest_sync", self.dates.rfc1123(synced)),
            ("cc_order", json!(true)),
            ("cc_order_status", json!(3 + dice.below(2))),
            ("cc_sync_status", json!("Synced")),
        ])
    }

    fn order_samples(&self, i: u32) -> Value {
        let samples: Vec<Value> = self
            .records
            .live_samples(i, self.now)
            .map(|s| self.record(Entity::Sample, s, Shape::Detail))
            .collect();
        Value::Array(samples)
    }
}

/// Keys every order carries and this lab never fills.
fn unused_order_fields() -> Map<String, Value> {
    [
        "Dup_Aw_value",
        "cc_sync_error",
        "collected_date",
        "date_required",
        "order_request",
        "order_request_notes",
        "order_request_status",
        "order_sampling_location",
        "order_sampling_technician",
        "requested_by",
        "requested_by_id",
        "sampling_method",
        "sampling_plan_check",
        "special_instructions",
    ]
    .into_iter()
    .map(|k| (k.to_owned(), Value::Null))
    .collect()
}
