//! What every handler can reach.

use std::sync::Arc;

use mirror_accounts::Accounts;
use mirror_kpis::KpiSettings;
use sqlx::PgPool;

use crate::auth::TokenKeys;

/// Shared by all requests; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The mirror's database.
    pub pool: PgPool,
    /// Users and their logins.
    pub accounts: Accounts,
    /// The keys tokens are signed and checked with.
    pub tokens: Arc<TokenKeys>,
    /// The SLA metrics use when a request does not name one.
    pub sla_hours: u32,
    /// The zone days are counted in.
    pub lab_timezone: chrono_tz::Tz,
    /// Sample types whose tests count in turnaround statistics; `None`
    /// counts every type.
    pub tat_sample_types: Option<Arc<[String]>>,
}

impl AppState {
    /// The lab-wide settings the KPI functions read.
    pub fn kpi_settings(&self) -> KpiSettings {
        KpiSettings {
            lab_timezone: self.lab_timezone,
            default_sla_hours: f64::from(self.sla_hours),
            tat_sample_types: self.tat_sample_types.as_deref().map(<[String]>::to_vec),
        }
    }
}
