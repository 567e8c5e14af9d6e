//! The QBench v1 REST client the mirror reads a lab's data with.
//!
//! It signs the JWT assertion and shares one access token across every
//! request of a process, replacing it before expiry and when QBench answers
//! that it has expired (QBench says so with 400 `invalid_grant`, not only
//! 401). It keeps every request within the tenant's shared limits: a cap on
//! requests in flight, a pace under the per-minute quota, and a hold on the
//! whole client when QBench throttles (honouring `X-QBAPI-Throttle-TTL` and
//! `Retry-After`, up to a configured cap). Faults that may pass (5xx,
//! timeouts, resets, a success answer whose body is not the expected JSON)
//! are retried with jittered exponential backoff; everything else comes back
//! as a typed [`QbenchError`] the caller can match on.
//!
//! It keeps QBench's clock from the `Date` headers of its answers
//! ([`QbenchClient::server_time`]), so that changes are asked for in
//! QBench's time whatever the local clock says.
//!
//! Neither the client secret, nor the signed assertion, nor an access token
//! is ever logged or shown by `Debug`.
//!
//! Metrics (through the `metrics` facade; the service installs the exporter):
//! `qbench_requests_total{entity,outcome}`, `qbench_request_duration_seconds`,
//! `qbench_throttles_total`, `qbench_retries_total{entity,reason}` and
//! `qbench_token_refusals_total`.

mod client;
mod clock;
mod error;
mod feed;
mod http;
mod limits;
mod numbers;
mod paging;
mod retry;
mod settings;
mod throttle;
mod token;

pub use client::{Absence, QbenchClient};
pub use error::{ErrorKeys, ErrorKind, QbenchError};
pub use feed::Updates;
pub use mirror_records::Entity;
pub use paging::{Page, PageQuery, SortKey, SortOrder};
pub use settings::ClientSettings;

/// Installs rustls' `ring` crypto provider for this process, if no provider
/// is installed yet.
///
/// reqwest is built without a provider of its own, so building any HTTP
/// client panics until one is installed. Calling this again, or after
/// another provider was installed, does nothing.
pub fn install_crypto_provider() {
    // An error only means a provider is already in place, which is the goal.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #[test]
    fn installing_the_crypto_provider_twice_is_harmless() {
        super::install_crypto_provider();
        super::install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
