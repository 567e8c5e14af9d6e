//! The simulator's own control routes under `/_sim/`: move the clock,
//! delete records, read the lab's truth, change behaviour, script faults.
//! They are neither rate limited nor authenticated; bind the simulator to
//! loopback.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use mirror_records::Entity;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::changes::ChangeSummary;
use crate::config::Behaviour;
use crate::faults::{FaultAction, FaultRule};
use crate::handle::{Shared, SimHandle};
use crate::lab::LabError;

/// The `/_sim/` routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sim/status", get(status))
        .route("/_sim/advance", post(advance))
        .route("/_sim/delete", post(delete))
        .route("/_sim/snapshot/{entity}", get(snapshot))
        .route("/_sim/window", get(window_changes))
        .route("/_sim/settings", get(settings).post(change_settings))
        .route(
            "/_sim/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/tokens/expire", post(expire_tokens))
        .with_state(SimHandle { shared })
}

/// A control call failed; answered as `{"code", "message"}`.
#[derive(Debug, thiserror::Error)]
enum ControlError {
    #[error("{0}")]
    BadBody(String),
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error("unknown entity {0:?}")]
    UnknownEntity(String),
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ControlError::BadBody(_) => (StatusCode::BAD_REQUEST, "bad_body"),
            ControlError::Lab(LabError::UnknownRecord { .. }) => {
                (StatusCode::NOT_FOUND, "unknown_record")
            }
            ControlError::Lab(LabError::ClockBackwards(_)) => {
                (StatusCode::CONFLICT, "clock_backwards")
            }
            ControlError::UnknownEntity(_) => (StatusCode::NOT_FOUND, "unknown_entity"),
        };
        (
            status,
            Json(json!({"code": code, "message": self.to_string()})),
        )
            .into_response()
    }
}

fn body<T>(parsed: Result<Json<T>, JsonRejection>) -> Result<T, ControlError> {
    parsed
        .map(|Json(t)| t)
        .map_err(|e| ControlError::BadBody(e.body_text()))
}

fn entity(name: &str) -> Result<Entity, ControlError> {
    name.parse()
        .map_err(|_| ControlError::UnknownEntity(name.to_owned()))
}

async fn status(State(sim): State<SimHandle>) -> Json<serde_json::Value> {
    let lab = sim.shared.lab();
    let live: serde_json::Map<String, serde_json::Value> = Entity::ALL
        .into_iter()
        .map(|e| (e.as_str().to_owned(), json!(lab.live_count(e))))
        .collect();
    Json(json!({
        "now": lab.now(),
        "timezone": sim.shared.timezone.name(),
        "size": sim.shared.size.as_str(),
        "seed": lab.seed,
        "api_calls": sim.api_calls(),
        "live": live,
    }))
}

/// The longest clock move one control call may ask for.
const MAX_ADVANCE_SECS: u64 = 10 * 365 * 86_400;

/// `{"days": 3}`, any mix of days, hours, minutes and seconds, or
/// `{"to": "2026-03-08T12:00:00Z"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    #[serde(default)]
    days: u64,
    #[serde(default)]
    hours: u64,
    #[serde(default)]
    minutes: u64,
    #[serde(default)]
    seconds: u64,
    to: Option<DateTime<Utc>>,
}

async fn advance(
    State(sim): State<SimHandle>,
    parsed: Result<Json<AdvanceBody>, JsonRejection>,
) -> Result<Json<ChangeSummary>, ControlError> {
    let step = body(parsed)?;
    let by_amount = [step.days, step.hours, step.minutes, step.seconds]
        .iter()
        .any(|&n| n > 0);
    if step.to.is_some() && by_amount {
        return Err(ControlError::BadBody(
            "give either \"to\" or days, hours, minutes and seconds, not both".into(),
        ));
    }
    let secs = match step.to {
        Some(to) => (to - sim.now()).num_seconds().max(0).unsigned_abs(),
        None => step
            .days
            .saturating_mul(86_400)
            .saturating_add(step.hours.saturating_mul(3600))
            .saturating_add(step.minutes.saturating_mul(60))
            .saturating_add(step.seconds),
    };
    // Every generated day costs memory; a decade in one call is a typo.
    if secs > MAX_ADVANCE_SECS {
        return Err(ControlError::BadBody(
            "one advance may cover at most ten years".into(),
        ));
    }
    // Nor may advances add up past a decade from now: each generated year
    // stays in memory.
    let latest = chrono::Utc::now() + chrono::Duration::seconds(MAX_ADVANCE_SECS as i64);
    let target = sim.now() + chrono::Duration::seconds(secs as i64);
    if target > latest {
        return Err(ControlError::BadBody(
            "the lab's clock may not pass ten years from now".into(),
        ));
    }
    match step.to {
        Some(to) => Ok(Json(sim.advance_to(to)?)),
        None => Ok(Json(sim.advance(Duration::from_secs(secs)))),
    }
}

/// `{"entity": "test", "ids": [9002]}`.
#[derive(Debug, Deserialize)]
struct DeleteBody {
    entity: String,
    ids: Vec<u64>,
}

async fn delete(
    State(sim): State<SimHandle>,
    parsed: Result<Json<DeleteBody>, JsonRejection>,
) -> Result<Json<ChangeSummary>, ControlError> {
    let request = body(parsed)?;
    let entity = entity(&request.entity)?;
    Ok(Json(sim.delete(entity, &request.ids)?))
}

async fn snapshot(
    State(sim): State<SimHandle>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ControlError> {
    let entity = entity(&name)?;
    let rows: Vec<[i64; 2]> = sim
        .snapshot(entity)
        .into_iter()
        .map(|row| [i64::try_from(row.id).unwrap_or(i64::MAX), row.last_updated])
        .collect();
    Ok(Json(
        json!({"entity": entity.as_str(), "now": sim.now(), "records": rows}),
    ))
}

/// `?since=<RFC 3339>&start=<RFC 3339>`: the lab time the mirror last knew
/// and the window's first instant.
#[derive(Debug, Deserialize)]
struct WindowQuery {
    since: DateTime<Utc>,
    start: DateTime<Utc>,
}

/// What a window sync starting at `start` must report, per entity, when the
/// mirror last synced at `since`: the lab's side of a sync report.
async fn window_changes(
    State(sim): State<SimHandle>,
    query: Result<Query<WindowQuery>, QueryRejection>,
) -> Result<Json<ChangeSummary>, ControlError> {
    let Query(window) = query.map_err(|e| ControlError::BadBody(e.body_text()))?;
    Ok(Json(sim.window_changes(window.since, window.start)))
}

/// The behaviour switches as JSON; every field optional when changing.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    limits: Option<bool>,
    max_in_flight: Option<u32>,
    max_per_window: Option<u32>,
    window_secs: Option<u64>,
    token_lifetime_secs: Option<u64>,
    page_latency_ms: Option<u64>,
    sparse_list_rows: Option<bool>,
    odd_values: Option<bool>,
    /// 0 switches it off.
    expire_tokens_every: Option<u32>,
}

impl Settings {
    fn of(b: &Behaviour) -> Settings {
        Settings {
            limits: Some(b.limits),
            max_in_flight: Some(b.max_in_flight),
            max_per_window: Some(b.max_per_window),
            window_secs: Some(b.window.as_secs()),
            token_lifetime_secs: Some(b.token_lifetime.as_secs()),
            page_latency_ms: u64::try_from(b.page_latency.as_millis()).ok(),
            sparse_list_rows: Some(b.sparse_list_rows),
            odd_values: Some(b.odd_values),
            expire_tokens_every: Some(b.expire_tokens_every.unwrap_or(0)),
        }
    }

    /// Refuses values that would stall every client rather than limit it.
    fn check(&self) -> Result<(), ControlError> {
        let positive = [
            ("max_in_flight", self.max_in_flight.map(u64::from)),
            ("max_per_window", self.max_per_window.map(u64::from)),
            ("window_secs", self.window_secs),
            ("token_lifetime_secs", self.token_lifetime_secs),
        ];
        match positive.iter().find(|(_, value)| *value == Some(0)) {
            Some((name, _)) => Err(ControlError::BadBody(format!("{name} must be at least 1"))),
            None => Ok(()),
        }
    }

    fn apply(self, b: &mut Behaviour) {
        let secs = Duration::from_secs;
        b.limits = self.limits.unwrap_or(b.limits);
        b.max_in_flight = self.max_in_flight.unwrap_or(b.max_in_flight);
        b.max_per_window = self.max_per_window.unwrap_or(b.max_per_window);
        b.window = self.window_secs.map_or(b.window, secs);
        b.token_lifetime = self.token_lifetime_secs.map_or(b.token_lifetime, secs);
        b.page_latency = self
            .page_latency_ms
            .map_or(b.page_latency, Duration::from_millis);
        b.sparse_list_rows = self.sparse_list_rows.unwrap_or(b.sparse_list_rows);
        b.odd_values = self.odd_values.unwrap_or(b.odd_values);
        if let Some(every) = self.expire_tokens_every {
            b.expire_tokens_every = (every > 0).then_some(every);
        }
    }
}

async fn settings(State(sim): State<SimHandle>) -> Json<Settings> {
    Json(Settings::of(&sim.behaviour()))
}

async fn change_settings(
    State(sim): State<SimHandle>,
    parsed: Result<Json<Settings>, JsonRejection>,
) -> Result<Json<Settings>, ControlError> {
    let change = body(parsed)?;
    change.check()?;
    let updated = sim.update_behaviour(|b| change.apply(b));
    tracing::info!(?updated, "Simulator behaviour changed.");
    Ok(Json(Settings::of(&updated)))
}

async fn faults(State(sim): State<SimHandle>) -> Json<Vec<FaultRule>> {
    Json(sim.faults())
}

async fn add_fault(
    State(sim): State<SimHandle>,
    parsed: Result<Json<FaultRule>, JsonRejection>,
) -> Result<Json<Vec<FaultRule>>, ControlError> {
    let rule = body(parsed)?;
    if let FaultAction::Status { status, .. } = &rule.action
        && !(200..=599).contains(status)
    {
        return Err(ControlError::BadBody(format!(
            "status {status} is not an answer status (200 to 599)"
        )));
    }
    sim.add_fault(rule);
    Ok(Json(sim.faults()))
}

async fn clear_faults(State(sim): State<SimHandle>) -> StatusCode {
    sim.clear_faults();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(sim): State<SimHandle>) -> Json<serde_json::Value> {
    Json(json!({"expired": sim.expire_tokens()}))
}
