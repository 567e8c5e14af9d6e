//! What every QBench call passes before its handler: the rate limits, the
//! bearer token, scripted faults and the configured latency, in the order
//! QBench's own front door would apply them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mirror_records::Entity;

use crate::faults::{Call, FaultAction, RouteKind};
use crate::handle::Shared;

/// A list-page fault for the handler to apply to its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageTweak {
    None,
    ShortPage(u32),
    NullTotalCount,
}

/// The middleware in front of the token and data routes.
pub(crate) async fn qbench_gate(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    shared.api_calls.fetch_add(1, Ordering::Relaxed);
    let behaviour = shared.behaviour();
    let call = classify(request.uri());
    let _permit = match shared.limits.admit(&behaviour) {
        Ok(permit) => permit,
        Err(refusal) => return refusal.into_response(),
    };
    if call.route != RouteKind::Token
        && let Err(refusal) = shared
            .tokens
            .authorize(request.headers(), behaviour.expire_tokens_every)
    {
        return refusal.into_response();
    }

    let tweak = match shared.faults.take(&call) {
        Some(FaultAction::Status {
            status,
            body,
            content_type,
            headers,
        }) => {
            tracing::info!(status, route = ?call.route, page = call.page, "Scripted fault answered.");
            return scripted(status, body, &content_type, &headers);
        }
        Some(FaultAction::Delay { ms }) => {
            tracing::info!(ms, route = ?call.route, page = call.page, "Scripted delay applied.");
            tokio::time::sleep(Duration::from_millis(ms)).await;
            PageTweak::None
        }
        Some(FaultAction::ShortPage { rows }) => PageTweak::ShortPage(rows),
        Some(FaultAction::NullTotalCount) => PageTweak::NullTotalCount,
        None => PageTweak::None,
    };
    request.extensions_mut().insert(tweak);

    if call.route != RouteKind::Token && !behaviour.page_latency.is_zero() {
        tokio::time::sleep(behaviour.page_latency).await;
    }
    next.run(request).await
}

/// Which kind of call a path is, about which entity, for which page.
pub(crate) fn classify(uri: &Uri) -> Call {
    let page = uri
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("page_num="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let rest = uri.path().strip_prefix("/qbench/api/v1/");
    let segments: Vec<&str> = rest.map(|r| r.split('/').collect()).unwrap_or_default();
    let entity_at = |i: usize| segments.get(i).and_then(|s| s.parse::<Entity>().ok());
    let (route, entity) = match segments.as_slice() {
        [] => (RouteKind::Token, None),
        ["updates", ..] => (RouteKind::Updates, entity_at(1)),
        [_] => (RouteKind::List, entity_at(0)),
        _ => (RouteKind::Detail, entity_at(0)),
    };
    Call {
        route,
        entity,
        page,
    }
}

fn scripted(
    status: u16,
    body: String,
    content_type: &str,
    headers: &BTreeMap<String, String>,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    // A header name or value HTTP cannot carry leaves the bare status.
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| status.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_by_route_entity_and_page() {
        let call = classify(
            &"/qbench/api/v1/sample?page_size=50&page_num=3"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            call,
            Call {
                route: RouteKind::List,
                entity: Some(Entity::Sample),
                page: 3
            }
        );
        let call = classify(&"/qbench/api/v1/test/9001".parse().unwrap());
        assert_eq!(
            (call.route, call.entity),
            (RouteKind::Detail, Some(Entity::Test))
        );
        let call = classify(&"/qbench/api/v1/updates/order/1700000000".parse().unwrap());
        assert_eq!(
            (call.route, call.entity),
            (RouteKind::Updates, Some(Entity::Order))
        );
        let call = classify(&"/qbench/oauth2/v1/token".parse().unwrap());
        assert_eq!(call.route, RouteKind::Token);
    }
}
