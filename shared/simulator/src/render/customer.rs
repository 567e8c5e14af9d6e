//! Customers, with the keys and null pattern of real customer pages.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use super::{Renderer, object, text_or_null};
use crate::dates::epoch_string;
use crate::dice::Dice;
use crate::lab::id_of;

impl Renderer<'_> {
    pub(super) fn customer(&self, i: u32) -> Map<String, Value> {
        let c = &self.records.customers[i as usize];
        let id = id_of(Entity::Customer, i);
        let mut dice = self.dice(Entity::Customer, i);
        let quickbooks = !c.shows_created && dice.chance(150);
        let last_updated = self.records.last_updated(Entity::Customer, i, self.now);

        let mut fields = object([
            ("id", json!(id)),
            ("date_created", self.shown_created(i)),
            ("deleted", json!(false)),
            ("customer_name", json!(customer_name(&mut dice, id))),
            ("last_updated", epoch_string(last_updated)),
        ]);
        fields.extend(contacts(&mut dice));
        fields.extend(accounting(&mut dice, id, quickbooks));
        if dice.chance(700) {
            fields.insert("divisions".into(), json!([division()]));
        }
        if quickbooks {
            fields.insert(
                "last_synced".into(),
                self.dates.date_time(c.created.plus(3600)),
            );
        }
        fields
    }

    fn shown_created(&self, i: u32) -> Value {
        let c = &self.records.customers[i as usize];
        if c.shows_created {
            self.dates.date_time(c.created)
        } else {
            Value::Null
        }
    }
}

/// The division every record of a one-division tenant belongs to.
pub(super) fn division() -> Value {
    json!({"id": 3, "name": "Division 3", "global_division": false})
}

fn customer_name(dice: &mut Dice, id: u64) -> String {
    if dice.chance(30) {
        format!("(DO NOT USE) Customer {id}")
    } else {
        format!("Customer {id}")
    }
}

/// Fields filled on some accounts only, each its own share of the time.
fn maybe(dice: &mut Dice, per_mille: u64, make: impl FnOnce(&mut Dice) -> String) -> Value {
    let present = dice.chance(per_mille);
    let value = make(dice);
    text_or_null(present.then_some(value))
}

fn contacts(dice: &mut Dice) -> Map<String, Value> {
    let emails = 1 + usize::from(dice.chance(150)) + usize::from(dice.chance(50));
    let email_list: Vec<String> = (0..emails).map(|_| email(dice)).collect();
    object([
        (
            "phone",
            maybe(dice, 480, |d| format!("555-01{:02}", d.below(100))),
        ),
        ("fax", Value::Null),
        (
            "address",
            maybe(dice, 560, |d| format!("address {}", d.below(1000))),
        ),
        (
            "comments",
            maybe(dice, 120, |d| format!("comments {}", d.below(1000))),
        ),
        (
            "billing_contact_name",
            maybe(dice, 320, |d| {
                format!("billing contact name {}", d.below(1000))
            }),
        ),
        ("billing_email", maybe(dice, 340, email)),
        ("email", maybe(dice, 920, |_| email_list.join(","))),
        (
            "allied_username",
            maybe(dice, 180, |d| format!("allied username {}", d.below(1000))),
        ),
        (
            "lab",
            maybe(dice, 360, |d| format!("lab {}", d.below(1000))),
        ),
        ("license_number", maybe(dice, 200, license)),
    ])
}

fn accounting(dice: &mut Dice, id: u64, quickbooks: bool) -> Map<String, Value> {
    let cc_id = dice.chance(20).then(|| 100_000 + dice.below(900_000));
    object([
        ("tags", json!([])),
        ("qbd_id", Value::Null),
        ("qbd_edit_sequence", Value::Null),
        ("qbd_last_synced", Value::Null),
        ("qbd_skip_address_sync", json!(false)),
        ("qbd_response_log", Value::Null),
        ("company_discount", Value::Null),
        ("payment_term_days", Value::Null),
        ("assay_customer_discounts", json!([])),
        ("panel_customer_discounts", json!([])),
        ("confident_cannabis_customer_id", json!(cc_id)),
        (
            "account_number",
            maybe(dice, 60, |d| format!("A{:X}", d.below(4096))),
        ),
        (
            "initial_quickbooks_details",
            text_or_null(quickbooks.then(|| quickbooks_details(id))),
        ),
        (
            "sync_token",
            text_or_null(quickbooks.then(|| "0".to_owned())),
        ),
    ])
}

fn email(dice: &mut Dice) -> String {
    format!("contact{}@example.com", dice.below(1000))
}

fn license(dice: &mut Dice) -> String {
    let one = format!("{:X}", 0x10000 + dice.below(0xEFFFF));
    if dice.chance(200) {
        format!("{one}, {:X}", 0x100000 + dice.below(0xEFFFFF))
    } else {
        one
    }
}

/// JSON inside a string, as QuickBooks-linked accounts carry it.
fn quickbooks_details(id: u64) -> String {
    json!({
        "Taxable": false,
        "Job": false,
        "Balance": 0,
        "Id": id.to_string(),
        "SyncToken": "0",
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "DisplayName": format!("Customer {id}"),
        "Active": true,
    })
    .to_string()
}
