//! Scripted faults: "answer the next N calls that match with this".
//!
//! A rule names what it matches (route kind, entity, list page) and what to
//! do: answer a status with a body, stall before answering, cut the page
//! short, or blank `total_count`. Rules are tried in the order they were
//! added; the first that matches is used and counts down.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use mirror_records::Entity;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of QBench call a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// `POST /qbench/oauth2/v1/token`.
    Token,
    /// `GET /qbench/api/v1/<entity>`.
    List,
    /// `GET /qbench/api/v1/<entity>/<id>`.
    Detail,
    /// `GET /qbench/api/v1/updates/<entity>/<time>`.
    Updates,
}

/// What a matching call gets instead of (or before) its normal answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer this status and body (for example 503, or 200 with HTML).
    Status {
        /// The HTTP status code.
        status: u16,
        /// The body, sent as is.
        #[serde(default)]
        body: String,
        /// The `Content-Type` of the body.
        #[serde(default = "json_content_type")]
        content_type: String,
        /// More response headers, for example `Retry-After` or
        /// `X-QBAPI-Throttle-TTL` on a 429.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
    },
    /// Wait this long, then answer normally (a client's read timeout).
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Answer a list page with at most this many rows, `total_pages` unchanged.
    ShortPage {
        /// Rows kept.
        rows: u32,
    },
    /// Answer a list page with `total_count: null`.
    NullTotalCount,
}

fn json_content_type() -> String {
    "application/json".to_owned()
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only calls of this kind; any kind when `None` (a page implies lists).
    #[serde(default)]
    pub route: Option<RouteKind>,
    /// Only calls about this entity; any when `None`.
    #[serde(default, serialize_with = "entity_out", deserialize_with = "entity_in")]
    pub entity: Option<Entity>,
    /// Only list calls for this `page_num`; any page when `None`.
    #[serde(default)]
    pub page: Option<u32>,
    /// How many matching calls it applies to; every one when `None`.
    #[serde(default)]
    pub times: Option<u32>,
    /// What those calls get.
    pub action: FaultAction,
}

impl FaultRule {
    /// A rule applying `action` to every call until narrowed.
    pub fn new(action: FaultAction) -> Self {
        FaultRule {
            route: None,
            entity: None,
            page: None,
            times: None,
            action,
        }
    }

    /// Only calls of kind `route`.
    pub fn route(mut self, route: RouteKind) -> Self {
        self.route = Some(route);
        self
    }

    /// Only calls about `entity`.
    pub fn entity(mut self, entity: Entity) -> Self {
        self.entity = Some(entity);
        self
    }

    /// Only list calls for page `page`.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Only the next `times` matching calls.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    fn matches(&self, call: &Call) -> bool {
        let route_ok = self.route.is_none_or(|r| r == call.route);
        let entity_ok = self.entity.is_none_or(|e| Some(e) == call.entity);
        let page_ok = self
            .page
            .is_none_or(|p| call.route == RouteKind::List && call.page == p);
        route_ok && entity_ok && page_ok
    }
}

/// What a request is, as far as fault matching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) route: RouteKind,
    pub(crate) entity: Option<Entity>,
    pub(crate) page: u32,
}

/// The rules in force.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    /// Adds a rule after the existing ones.
    pub(crate) fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Removes every rule.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The rules in force, with the counts they have left.
    pub(crate) fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// The action for `call`, counting down (and retiring) the rule used.
    pub(crate) fn take(&self, call: &Call) -> Option<FaultAction> {
        let mut rules = self.lock();
        let index = rules.iter().position(|r| r.matches(call))?;
        let rule = &mut rules[index];
        let action = rule.action.clone();
        match rule.times {
            Some(n) if n <= 1 => {
                rules.remove(index);
            }
            Some(n) => rule.times = Some(n - 1),
            None => {}
        }
        Some(action)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn entity_out<S: Serializer>(entity: &Option<Entity>, out: S) -> Result<S::Ok, S::Error> {
    match entity {
        Some(e) => out.serialize_some(e.as_str()),
        None => out.serialize_none(),
    }
}

fn entity_in<'de, D: Deserializer<'de>>(input: D) -> Result<Option<Entity>, D::Error> {
    let name: Option<String> = Option::deserialize(input)?;
    name.map(|n| n.parse::<Entity>().map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_call(entity: Entity, page: u32) -> Call {
        Call {
            route: RouteKind::List,
            entity: Some(entity),
            page,
        }
    }

    #[test]
    fn a_counted_rule_applies_exactly_that_often_to_its_page() {
        let faults = Faults::default();
        let unavailable = FaultAction::Status {
            status: 503,
            body: String::new(),
            content_type: json_content_type(),
            headers: BTreeMap::new(),
        };
        faults.add(
            FaultRule::new(unavailable.clone())
                .entity(Entity::Sample)
                .page(3)
                .times(3),
        );
        assert_eq!(faults.take(&list_call(Entity::Sample, 2)), None);
        assert_eq!(faults.take(&list_call(Entity::Test, 3)), None);
        for _ in 0..3 {
            assert_eq!(
                faults.take(&list_call(Entity::Sample, 3)),
                Some(unavailable.clone())
            );
        }
        assert_eq!(faults.take(&list_call(Entity::Sample, 3)), None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"entity":"sample","page":4,"action":{"kind":"short_page","rows":37}}"#,
        )
        .unwrap();
        assert_eq!(rule.entity, Some(Entity::Sample));
        assert_eq!(rule.action, FaultAction::ShortPage { rows: 37 });
        assert!(
            serde_json::from_str::<FaultRule>(
                r#"{"entity":"widget","action":{"kind":"null_total_count"}}"#
            )
            .is_err()
        );
    }
}
