//! Sending one request within the tenant's limits, and waiting out 429s.

use std::time::{Instant, SystemTime};

use reqwest::{RequestBuilder, StatusCode};
use tracing::warn;

use crate::clock::ServerClock;
use crate::error::QbenchError;
use crate::limits::{Limits, ThrottleBudget};
use crate::settings::ClientSettings;
use crate::throttle::ThrottleSignal;

/// An answer QBench gave, other than a 429.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: String,
}

/// The HTTP client and the limits every request of a client shares.
#[derive(Debug)]
pub(crate) struct PacedHttp {
    http: reqwest::Client,
    limits: Limits,
    clock: ServerClock,
}

impl PacedHttp {
    /// Builds the HTTP client; the TLS provider must be installed first.
    pub(crate) fn new(settings: &ClientSettings) -> Result<Self, QbenchError> {
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .user_agent(concat!("qbench-mirror/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| QbenchError::Settings(format!("cannot build the http client: {e}")))?;

        Ok(PacedHttp {
            http,
            limits: Limits::new(settings)?,
            clock: ServerClock::default(),
        })
    }

    /// The latest time QBench stated; `None` before a dated answer.
    pub(crate) fn server_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.clock.latest()
    }

    /// The underlying client, to start building a request with.
    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes, again after each 429, until QBench
    /// answers something else or the throttle budget runs out.
    ///
    /// `label` names the entity (or `token`) in metrics and logs.
    pub(crate) async fn send(
        &self,
        label: &'static str,
        budget: &ThrottleBudget,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, QbenchError> {
        loop {
            match self.send_once(label, budget, &build).await? {
                Sent::Answered(reply) => return Ok(reply),
                Sent::Throttled(signal) => self.note_throttle(label, &signal, budget)?,
            }
        }
    }

    async fn send_once(
        &self,
        label: &'static str,
        budget: &ThrottleBudget,
        build: &impl Fn() -> RequestBuilder,
    ) -> Result<Sent, QbenchError> {
        let _slot = self.limits.admit(budget).await?;
        let started = Instant::now();

        let result = read_answer(build(), &self.clock).await;

        let outcome = result.as_ref().map_or("transport", Sent::outcome);
        metrics::counter!("qbench_requests_total", "entity" => label, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("qbench_request_duration_seconds", "entity" => label)
            .record(started.elapsed().as_secs_f64());
        result
    }

    fn note_throttle(
        &self,
        label: &'static str,
        signal: &ThrottleSignal,
        budget: &ThrottleBudget,
    ) -> Result<(), QbenchError> {
        metrics::counter!("qbench_throttles_total", "entity" => label).increment(1);
        let wait = self.limits.throttled(signal, budget)?;
        warn!(
            entity = label,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            waited_ms = u64::try_from(budget.spent().as_millis()).unwrap_or(u64::MAX),
            signal = %signal.describe(),
            "QBench throttled a request; the client holds off."
        );
        Ok(())
    }
}

/// One exchange's result: an answer, or a 429 to wait out.
enum Sent {
    Answered(Reply),
    Throttled(ThrottleSignal),
}

impl Sent {
    /// The metric label of this result.
    fn outcome(&self) -> &'static str {
        match self {
            Sent::Throttled(_) => "throttled",
            Sent::Answered(r) if r.status.is_success() => "ok",
            Sent::Answered(r) if r.status.is_server_error() => "server_error",
            Sent::Answered(_) => "client_error",
        }
    }
}

/// Sends a request and reads the whole body, within the request timeout;
/// notes QBench's clock from the answer.
async fn read_answer(request: RequestBuilder, clock: &ServerClock) -> Result<Sent, QbenchError> {
    let response = request.send().await.map_err(QbenchError::Transport)?;
    let status = response.status();
    if status.is_success() {
        clock.observe(response.headers());
    }
    let headers = response.headers().clone();
    let body = response.text().await.map_err(QbenchError::Transport)?;

    if status == StatusCode::TOO_MANY_REQUESTS {
        let signal = ThrottleSignal::read(&headers, &body, SystemTime::now());
        return Ok(Sent::Throttled(signal));
    }
    Ok(Sent::Answered(Reply { status, body }))
}
