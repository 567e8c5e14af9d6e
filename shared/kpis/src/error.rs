//! The one error type of the crate.

/// Why a KPI could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    /// A query parameter is malformed or out of range; the caller's fault.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The query parameter's name as the client sent it.
        name: &'static str,
        /// What is wrong with its value, in plain words.
        reason: String,
    },
    /// The database failed; nothing the caller can fix.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl KpiError {
    /// An [`KpiError::InvalidParameter`] for `name`.
    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        KpiError::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}
