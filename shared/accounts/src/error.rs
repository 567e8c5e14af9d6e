//! What can go wrong managing accounts and bans.

use crate::{InvalidUsername, PolicyError};

/// An account or banlist operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    InvalidUsername(#[from] InvalidUsername),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("a user named {0:?} already exists (names are compared ignoring case)")]
    UsernameTaken(String),
    #[error("no user is named {0:?}")]
    UnknownUser(String),
    #[error("the banlist holds an unknown entity type {0:?}")]
    UnknownEntityType(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hashing(#[from] bcrypt::BcryptError),
    #[error("password hashing task failed: {0}")]
    HashingTask(#[from] tokio::task::JoinError),
}
