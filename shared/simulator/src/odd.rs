//! Odd values, as real tenants produce them now and then.
//!
//! When switched on, about one record in fifty (chosen by its id, so always
//! the same ones) carries one oddity: a number as a string, an object field
//! as `{}`, `null` or `""`, an unknown key, text with an emoji and a NUL, or
//! a missing or null `state`. A mirror must load every such row that still
//! makes sense and set aside only the ones that do not.

use mirror_records::Entity;
use serde_json::{Map, Value, json};

use crate::dice::Dice;

/// One in this many records is odd.
const ODD_PER_MILLE: u64 = 20;

/// The ways a record can be odd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Oddity {
    /// The parent id (or another number) as a string: `"77"`.
    NumberAsString,
    /// `last_updated` as a JSON number instead of a string.
    LastUpdatedAsNumber,
    /// The entity's object field as `{}`.
    EmptyObject,
    /// The entity's object field as `null`.
    NullObject,
    /// The entity's object field as `""`.
    EmptyString,
    /// A key no documentation mentions.
    UnknownKey,
    /// Text with an emoji and a NUL character (written `\u0000`).
    OddText,
    /// No `state` key at all.
    StateMissing,
    /// `state: null`.
    StateNull,
}

const ODDITIES: [Oddity; 9] = [
    Oddity::NumberAsString,
    Oddity::LastUpdatedAsNumber,
    Oddity::EmptyObject,
    Oddity::NullObject,
    Oddity::EmptyString,
    Oddity::UnknownKey,
    Oddity::OddText,
    Oddity::StateMissing,
    Oddity::StateNull,
];

/// The oddity record `id` carries, if any.
pub(crate) fn oddity_of(seed: u64, entity: Entity, id: u64) -> Option<Oddity> {
    let mut dice = Dice::of(seed ^ 0x0DD, entity, id);
    dice.chance(ODD_PER_MILLE).then(|| *dice.pick(&ODDITIES))
}

/// The keys an oddity touches, per entity: (number, object, text).
fn keys(entity: Entity) -> (&'static str, &'static str, &'static str) {
    match entity {
        Entity::Customer => ("id", "divisions", "customer_name"),
        Entity::Order => ("customer_account_id", "division", "customer_comments"),
        Entity::Sample => ("order_id", "accessioning_type", "sample_name"),
        Entity::Test => ("sample_id", "assay", "results"),
        Entity::Batch => ("assay_id", "worksheet_json", "display_name"),
    }
}

/// Applies the record's oddity, if it has one, to its rendered fields.
pub(crate) fn disturb(seed: u64, entity: Entity, id: u64, fields: &mut Map<String, Value>) {
    if let Some(oddity) = oddity_of(seed, entity, id) {
        apply(oddity, entity, id, fields);
    }
}

fn apply(oddity: Oddity, entity: Entity, id: u64, fields: &mut Map<String, Value>) {
    let (number_key, object_key, text_key) = keys(entity);
    let has_state = !matches!(entity, Entity::Customer | Entity::Batch);
    match oddity {
        Oddity::NumberAsString => {
            if let Some(n) = fields.get(number_key).and_then(Value::as_u64) {
                fields.insert(number_key.into(), json!(n.to_string()));
            }
        }
        Oddity::LastUpdatedAsNumber => {
            let secs = fields
                .get("last_updated")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u64>().ok());
            if let Some(secs) = secs {
                fields.insert("last_updated".into(), json!(secs));
            }
        }
        Oddity::EmptyObject => put(fields, object_key, json!({})),
        Oddity::NullObject => put(fields, object_key, Value::Null),
        Oddity::EmptyString => put(fields, object_key, json!("")),
        Oddity::OddText => put(
            fields,
            text_key,
            json!(format!("Record {id} \u{1F9EA} test\u{0}")),
        ),
        Oddity::StateMissing if has_state => {
            fields.remove("state");
        }
        Oddity::StateNull if has_state => put(fields, "state", Value::Null),
        Oddity::UnknownKey | Oddity::StateMissing | Oddity::StateNull => {
            put(
                fields,
                "qb_unannounced_field",
                json!({"added_in": "a later release", "n": id}),
            );
        }
    }
}

fn put(fields: &mut Map<String, Value>, key: &str, value: Value) {
    fields.insert(key.to_owned(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_stable_share_of_records_is_odd() {
        let odd: Vec<u64> = (0..5_000)
            .filter(|&id| oddity_of(9, Entity::Test, id).is_some())
            .collect();
        assert!((50..150).contains(&odd.len()), "{}", odd.len());
        let again: Vec<u64> = (0..5_000)
            .filter(|&id| oddity_of(9, Entity::Test, id).is_some())
            .collect();
        assert_eq!(odd, again);
    }

    #[test]
    fn odd_text_holds_a_nul_written_as_an_escape() {
        let mut fields = Map::new();
        apply(Oddity::OddText, Entity::Test, 5, &mut fields);
        let text = serde_json::to_string(&Value::Object(fields)).unwrap();
        assert!(text.contains("\\u0000"), "{text}");
    }

    #[test]
    fn number_as_string_turns_the_parent_id_into_text() {
        let mut fields = Map::new();
        fields.insert("sample_id".into(), json!(77));
        apply(Oddity::NumberAsString, Entity::Test, 5, &mut fields);
        assert_eq!(fields["sample_id"], json!("77"));
    }
}
