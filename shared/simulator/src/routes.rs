//! The QBench v1 routes: the token exchange, lists, details and the
//! updates feed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Request;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mirror_records::Entity;
use serde_json::{Map, Value, json};

use crate::clock::LabTime;
use crate::dice::mix;
use crate::gate::{PageTweak, qbench_gate};
use crate::handle::Shared;
use crate::lab::Lab;
use crate::listing;
use crate::query::{ListQuery, wants_worksheet};
use crate::render::{Renderer, Shape, Style};
use crate::reply::QbenchError;

type Pairs = Vec<(String, String)>;

/// The QBench routes, behind the gate.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/qbench/oauth2/v1/token", post(token))
        .route("/qbench/api/v1/{entity}", get(list))
        .route("/qbench/api/v1/{entity}/{id}", get(detail))
        .route("/qbench/api/v1/updates/{entity}/{since}", get(updates))
        .layer(from_fn_with_state(Arc::clone(&shared), qbench_gate))
        .layer(from_fn_with_state(Arc::clone(&shared), lab_date))
        .with_state(shared)
}

/// Dates every answer, refusals included, by the lab's clock, as QBench's
/// `Date` header gives QBench's time: a client asking for changes since a
/// time must ask in the lab's time, not its own.
async fn lab_date(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let now = shared.lab().now();
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

async fn token(
    State(shared): State<Arc<Shared>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(fields)) = form else {
        return QbenchError::InvalidRequest("The body must be a form.".into()).into_response();
    };
    let lifetime = shared.behaviour().token_lifetime;
    let answer = shared.tokens.exchange(
        &shared.credentials,
        fields.get("grant_type").map(String::as_str),
        fields.get("assertion").map(String::as_str),
        lifetime,
    );
    match answer {
        Ok(answer) => Json(answer).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path(entity): Path<String>,
    Extension(tweak): Extension<PageTweak>,
    query: Result<Query<Pairs>, QueryRejection>,
) -> Result<Json<Value>, QbenchError> {
    let entity = entity
        .parse::<Entity>()
        .map_err(|_| QbenchError::NotFound)?;
    let pairs = pairs(query)?;
    let query = ListQuery::parse(&pairs).map_err(QbenchError::InvalidRequest)?;
    let style = style(&shared, query.worksheet);

    let lab = shared.lab();
    let page = listing::page(&lab, &shared.orderings, entity, &query);
    let renderer = Renderer::new(&lab, style);
    let mut rows: Vec<Value> = page
        .rows
        .iter()
        .map(|&i| renderer.record(entity, i, Shape::ListRow))
        .collect();
    drop(lab);

    if let PageTweak::ShortPage(keep) = tweak {
        rows.truncate(keep as usize);
    }
    let total_pages = page.total.div_ceil(query.page_size as usize);
    let total_count = match tweak {
        PageTweak::NullTotalCount => Value::Null,
        _ => json!(page.total),
    };
    Ok(Json(envelope(&shared, total_count, total_pages, rows)))
}

/// The list envelope, with the opaque extra key real pages carry.
fn envelope(shared: &Shared, total_count: Value, total_pages: usize, rows: Vec<Value>) -> Value {
    let call = shared.api_calls.load(std::sync::atomic::Ordering::Relaxed);
    let noise = mix(call, 0x0E0A);
    let mut body = Map::new();
    body.insert("total_count".into(), total_count);
    body.insert("total_pages".into(), json!(total_pages));
    body.insert("data".into(), Value::Array(rows));
    body.insert(
        format!("qb{:x}", noise & 0xfff),
        json!(format!("{:x}", noise >> 16)),
    );
    Value::Object(body)
}

async fn detail(
    State(shared): State<Arc<Shared>>,
    Path((entity, id)): Path<(String, String)>,
    query: Result<Query<Pairs>, QueryRejection>,
) -> Result<Json<Value>, QbenchError> {
    let entity = entity
        .parse::<Entity>()
        .map_err(|_| QbenchError::NotFound)?;
    let id = id.parse::<u64>().map_err(|_| QbenchError::NotFound)?;
    let style = style(&shared, wants_worksheet(&pairs(query)?));

    let lab = shared.lab();
    let index = lab
        .records
        .find(entity, id, lab.now)
        .ok_or(QbenchError::NotFound)?;
    Ok(Json(Renderer::new(&lab, style).record(
        entity,
        index,
        Shape::Detail,
    )))
}

async fn updates(
    State(shared): State<Arc<Shared>>,
    Path((entity, since)): Path<(String, String)>,
    query: Result<Query<Pairs>, QueryRejection>,
) -> Result<Json<Value>, QbenchError> {
    let entity = entity
        .parse::<Entity>()
        .map_err(|_| QbenchError::NotFound)?;
    if !entity.has_updates_feed() {
        return Err(QbenchError::NotFound);
    }
    let since = since
        .parse::<i64>()
        .map_err(|_| QbenchError::InvalidRequest("The time must be Unix seconds.".into()))?;
    let since = LabTime::from_utc(chrono::DateTime::from_timestamp(since, 0).unwrap_or_default());
    let pairs = pairs(query)?;
    let with_objects = pairs
        .iter()
        .any(|(k, v)| k == "return_objects" && v.eq_ignore_ascii_case("true"));

    let lab = shared.lab();
    let (updated, deleted) = lab.updates_since(entity, since);
    let updated = if with_objects {
        objects(&lab, style(&shared, false), entity, &updated)
    } else {
        json!(updated)
    };
    Ok(Json(json!({"updated": updated, "deleted": deleted})))
}

/// The full records of `ids`, for `return_objects=true`.
fn objects(lab: &Lab, style: Style, entity: Entity, ids: &[u64]) -> Value {
    let renderer = Renderer::new(lab, style);
    let rows = ids
        .iter()
        .filter_map(|&id| lab.records.find(entity, id, lab.now))
        .map(|i| renderer.record(entity, i, Shape::Detail))
        .collect();
    Value::Array(rows)
}

fn pairs(query: Result<Query<Pairs>, QueryRejection>) -> Result<Pairs, QbenchError> {
    query
        .map(|Query(pairs)| pairs)
        .map_err(|_| QbenchError::InvalidRequest("The query string is malformed.".into()))
}

fn style(shared: &Shared, worksheet: bool) -> Style {
    let behaviour = shared.behaviour();
    Style {
        sparse_list_rows: behaviour.sparse_list_rows,
        odd_values: behaviour.odd_values,
        worksheet,
    }
}
