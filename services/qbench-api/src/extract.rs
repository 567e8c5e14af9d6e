//! Extractors whose rejections answer in the API's error shape.

use std::error::Error as _;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A query string read into `T`; a bad one is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|query| ApiQuery(query.0))
            .map_err(|e| query_error(&e))
    }
}

/// The 400 of a query string that does not deserialise.
///
/// axum reads queries through `serde_path_to_error`, whose message starts
/// with the failing field (`group_by: unknown variant ...`); that field
/// becomes the parameter name, so clients see which one to fix.
fn query_error(rejection: &QueryRejection) -> ApiError {
    let detail = match rejection {
        QueryRejection::FailedToDeserializeQueryString(e) => e
            .source()
            .map_or_else(|| e.body_text(), ToString::to_string),
        other => other.body_text(),
    };
    if let Some((name, known)) = unknown_parameter(&detail) {
        return ApiError::parameter(name, format!("unknown parameter; this route takes {known}"));
    }
    if let Some(name) = duplicate_parameter(&detail) {
        return ApiError::parameter(name, "given more than once");
    }
    match detail.split_once(": ") {
        Some((name, reason)) if is_parameter_name(name) => {
            ApiError::parameter(name, plain_reason(reason))
        }
        _ => ApiError::parameter("query", detail),
    }
}

/// The standard library's words for a number that does not parse, in a
/// client's words; any other reason as it is.
fn plain_reason(reason: &str) -> &str {
    match reason {
        "invalid digit found in string" => "expected a whole number",
        "cannot parse integer from empty string" => "expected a whole number, got nothing",
        "number too large to fit in target type" => "the number is too large",
        "number too small to fit in target type" => "the number is too small",
        "invalid float literal" => "expected a number",
        "cannot parse float from empty string" => "expected a number, got nothing",
        other => other,
    }
}

/// The name in serde's ``unknown field `x`, expected one of `a`, `b` ``,
/// with the names it expected, unquoted.
fn unknown_parameter(detail: &str) -> Option<(&str, String)> {
    let rest = detail.split("unknown field `").nth(1)?;
    let (name, expected) = rest.split_once('`')?;
    let known = expected
        .trim_start_matches(", expected one of ")
        .trim_start_matches(", expected ")
        .replace('`', "");
    let known = if known.starts_with(", there are no fields") {
        "no parameters".to_owned()
    } else {
        known
    };
    Some((name, known))
}

/// The name in serde's ``duplicate field `x` ``.
fn duplicate_parameter(detail: &str) -> Option<&str> {
    let rest = detail.split("duplicate field `").nth(1)?;
    let (name, _) = rest.split_once('`')?;
    is_parameter_name(name).then_some(name)
}

fn is_parameter_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The query of a route that takes no parameters: any is refused, as on
/// every other route, rather than ignored.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

/// The `{id}` of a record route, a QBench id: 1 to 2147483647.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordId(pub i32);

impl<S> FromRequestParts<S> for RecordId
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<i32>::from_request_parts(parts, state).await {
            Ok(Path(id)) if id >= 1 => Ok(RecordId(id)),
            Ok(Path(_)) => Err(ApiError::parameter("id", ID_RANGE)),
            // A route declared without `{id}`: the server's fault.
            Err(e) if e.status().is_server_error() => {
                Err(ApiError::Internal(anyhow::anyhow!(e.body_text())))
            }
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(ApiError::parameter("id", ID_RANGE))
            }
            Err(e) => Err(ApiError::parameter("id", e.body_text())),
        }
    }
}

const ID_RANGE: &str = "expected a QBench id, a whole number from 1 to 2147483647";

/// A JSON body read into `T`; a bad one is a 400 naming the problem.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|body| ApiJson(body.0))
            .map_err(|e: JsonRejection| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
                _ => ApiError::InvalidBody(e.body_text()),
            })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request as HttpRequest;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Grouped {
        group_by: Option<Grouping>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Grouping {
        Day,
    }

    async fn read(uri: &str) -> Result<ApiQuery<Grouped>, ApiError> {
        let (mut parts, ()) = HttpRequest::get(uri).body(()).unwrap().into_parts();
        ApiQuery::<Grouped>::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn a_query_value_of_the_wrong_kind_names_its_parameter() {
        let error = read("/x?group_by=month").await.unwrap_err();

        let message = error.to_string();
        assert!(
            message.starts_with("group_by: unknown variant `month`"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn an_unknown_parameter_is_refused_by_name() {
        let error = read("/x?group_by=day&start_date=2026-01-01")
            .await
            .unwrap_err();

        let message = error.to_string();
        assert_eq!(
            message,
            "start_date: unknown parameter; this route takes group_by"
        );
    }

    #[tokio::test]
    async fn a_well_formed_query_reads() {
        let ApiQuery(day) = read("/x?group_by=day").await.unwrap();
        let ApiQuery(none) = read("/x").await.unwrap();

        assert!(matches!(day.group_by, Some(Grouping::Day)));
        assert!(none.group_by.is_none());
    }
}
