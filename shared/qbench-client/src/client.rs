//! The client callers use: list pages, single records and the updates feed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mirror_records::Entity;
use reqwest::StatusCode;
use serde_json::Value;
use tracing::warn;

use crate::error::{ErrorKeys, QbenchError};
use crate::feed::Updates;
use crate::http::{PacedHttp, Reply};
use crate::limits::ThrottleBudget;
use crate::paging::{Page, PageQuery};
use crate::retry::RetryPolicy;
use crate::settings::ClientSettings;
use crate::token::{AccessToken, TokenSource};

/// What QBench says of a record asked for again after a 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absence {
    /// A 404 with QBench's own JSON error: the record is gone.
    Confirmed,
    /// A 404 without it: perhaps something in front of QBench answered.
    Unconfirmed,
    /// QBench answered the record this time.
    Present,
}

/// The REST API's path below the tenant root.
const API_PREFIX: &str = "/qbench/api/v1";

/// A QBench client.
///
/// Clones share one token, one in-flight cap, one pace and one throttle hold,
/// as QBench's limits are per tenant: make one client per process and clone
/// it wherever requests are made.
#[derive(Clone)]
pub struct QbenchClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: String,
    http: PacedHttp,
    tokens: TokenSource,
    retry: RetryPolicy,
    max_throttle_wait: Duration,
}

impl fmt::Debug for QbenchClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QbenchClient")
            .field("root", &self.inner.root)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

impl QbenchClient {
    /// A client for the given settings; installs the TLS provider if none is.
    pub fn new(settings: ClientSettings) -> Result<Self, QbenchError> {
        settings.validate()?;
        crate::install_crypto_provider();

        let inner = Inner {
            root: settings.root.clone(),
            http: PacedHttp::new(&settings)?,
            tokens: TokenSource::new(&settings),
            retry: RetryPolicy::new(&settings),
            max_throttle_wait: settings.max_throttle_wait,
        };
        Ok(QbenchClient {
            inner: Arc::new(inner),
        })
    }

    /// One page of an entity's list.
    pub async fn list_page(&self, entity: Entity, query: &PageQuery) -> Result<Page, QbenchError> {
        let url = self.url(entity.as_str());
        let pairs = query.to_pairs();

        self.get(entity, &url, &pairs, |reply| {
            let reply = expect_success(reply)?;
            Page::parse(&reply.body).map_err(|reason| invalid_body(&reply, reason))
        })
        .await
    }

    /// One record by id, with its nested children; `None` when QBench does
    /// not know the id.
    pub async fn get_record(&self, entity: Entity, id: i64) -> Result<Option<Value>, QbenchError> {
        let url = self.url(&format!("{entity}/{id}"));

        self.get(entity, &url, &[], |reply| {
            if reply.status == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let reply = expect_success(reply)?;
            match serde_json::from_str::<Value>(&reply.body) {
                Ok(record @ Value::Object(_)) => Ok(Some(record)),
                _ => Err(invalid_body(
                    &reply,
                    "the record is not a JSON object".into(),
                )),
            }
        })
        .await
    }

    /// The ids of `entity` records changed or deleted since `since`.
    ///
    /// Fails with [`QbenchError::FeedUnavailable`] for batches and when the
    /// tenant answers 404 for the feed; the caller should then re-read a
    /// trailing window instead.
    pub async fn updates(
        &self,
        entity: Entity,
        since: DateTime<Utc>,
    ) -> Result<Updates, QbenchError> {
        if !entity.has_updates_feed() {
            return Err(QbenchError::FeedUnavailable { entity });
        }
        let url = self.url(&format!("updates/{entity}/{}", since.timestamp()));

        self.get(entity, &url, &[], |reply| {
            if reply.status == StatusCode::NOT_FOUND {
                return Err(QbenchError::FeedUnavailable { entity });
            }
            let reply = expect_success(reply)?;
            Updates::parse(&reply.body).map_err(|reason| invalid_body(&reply, reason))
        })
        .await
    }

    /// The time QBench stated in the `Date` header of its latest successful
    /// answer: a lower bound of its time now. `None` before a dated answer.
    ///
    /// Ask for changes "since" and windows "of the last days" in QBench's
    /// time: a local clock ahead of QBench's would ask past the changes.
    pub fn server_time(&self) -> Option<DateTime<Utc>> {
        self.inner.http.server_time()
    }

    /// QBench's time now, read from a fresh answer: one customer row is
    /// asked for (QBench has no cheaper dated route). `None` when QBench's
    /// answers carry no `Date` header.
    pub async fn read_clock(&self) -> Result<Option<DateTime<Utc>>, QbenchError> {
        self.list_page(Entity::Customer, &PageQuery::new(1, 1))
            .await?;
        Ok(self.server_time())
    }

    /// Asks QBench once more for a record it answered 404 for, and whether
    /// it says, in its own words, that it has none: a 404 whose body is a
    /// JSON object, as its API answers. A 404 of anything in front of
    /// QBench (an HTML maintenance page, a proxy's empty answer) does not
    /// confirm, so nothing is taken for deleted on its word.
    pub async fn confirm_absence(&self, entity: Entity, id: i64) -> Result<Absence, QbenchError> {
        let url = self.url(&format!("{entity}/{id}"));

        self.get(entity, &url, &[], |reply| {
            if reply.status != StatusCode::NOT_FOUND {
                expect_success(reply)?;
                return Ok(Absence::Present);
            }
            let own = serde_json::from_str::<Value>(&reply.body).is_ok_and(|body| body.is_object());
            Ok(if own {
                Absence::Confirmed
            } else {
                Absence::Unconfirmed
            })
        })
        .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}/{path}", self.inner.root)
    }

    /// A GET with retries; `read` turns an answer into the result and may
    /// refuse it (an unexpected body is retried like a 5xx).
    async fn get<T>(
        &self,
        entity: Entity,
        url: &str,
        query: &[(String, String)],
        read: impl Fn(Reply) -> Result<T, QbenchError>,
    ) -> Result<T, QbenchError> {
        let budget = ThrottleBudget::new(self.inner.max_throttle_wait);
        let call = Call {
            label: entity.as_str(),
            url,
            query,
        };

        self.inner
            .retry
            .run(call.label, || async {
                read(self.authorised_get(&call, &budget).await?)
            })
            .await
    }

    /// One attempt of a GET, with the shared token.
    ///
    /// When QBench says the token has expired, the token is replaced (every
    /// request that saw the same token waits on the same exchange) and the
    /// request is sent once more. A new token refused as well means the
    /// credentials, not the token, are the problem.
    async fn authorised_get(
        &self,
        call: &Call<'_>,
        budget: &ThrottleBudget,
    ) -> Result<Reply, QbenchError> {
        let token = self.inner.tokens.token(&self.inner.http).await?;
        let reply = self.send_get(call, budget, &token).await?;
        if !is_expired_token(&reply) {
            return Ok(reply);
        }

        metrics::counter!("qbench_token_refusals_total", "entity" => call.label).increment(1);
        warn!(
            entity = call.label,
            status = reply.status.as_u16(),
            "QBench refused the access token; replacing it."
        );
        self.inner.tokens.invalidate(&token);
        let token = self.inner.tokens.token(&self.inner.http).await?;
        let reply = self.send_get(call, budget, &token).await?;

        if is_expired_token(&reply) {
            return Err(QbenchError::Auth {
                reason: format!(
                    "the request was refused again with a freshly issued token ({})",
                    reply.status
                ),
            });
        }
        Ok(reply)
    }

    async fn send_get(
        &self,
        call: &Call<'_>,
        budget: &ThrottleBudget,
        token: &AccessToken,
    ) -> Result<Reply, QbenchError> {
        let http = &self.inner.http;
        http.send(call.label, budget, || {
            http.client()
                .get(call.url)
                .query(call.query)
                .bearer_auth(token.expose())
        })
        .await
    }
}

/// What one GET asks for.
struct Call<'a> {
    label: &'static str,
    url: &'a str,
    query: &'a [(String, String)],
}

/// QBench's ways of saying the access token has expired: 400 with
/// `invalid_grant` (seen on data calls), or 401.
fn is_expired_token(reply: &Reply) -> bool {
    match reply.status {
        StatusCode::UNAUTHORIZED => true,
        StatusCode::BAD_REQUEST => {
            ErrorKeys::from_body(&reply.body).error.as_deref() == Some("invalid_grant")
        }
        _ => false,
    }
}

/// The reply itself if it is a success, else its status error.
fn expect_success(reply: Reply) -> Result<Reply, QbenchError> {
    if reply.status.is_success() {
        return Ok(reply);
    }
    Err(QbenchError::from_answer(reply.status.as_u16(), &reply.body))
}

fn invalid_body(reply: &Reply, reason: String) -> QbenchError {
    QbenchError::InvalidBody {
        status: reply.status.as_u16(),
        reason,
    }
}
