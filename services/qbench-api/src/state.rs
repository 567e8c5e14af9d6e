//! What every handler can reach.

use std::sync::Arc;

use mirror_accounts::Accounts;
use sqlx::PgPool;

use crate::auth::TokenKeys;

/// Shared by all requests; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub accounts: Accounts,
    pub tokens: Arc<TokenKeys>,
    /// The SLA metrics use when a request does not name one.
    pub sla_hours: u32,
    /// The zone days are counted in.
    pub lab_timezone: chrono_tz::Tz,
}
