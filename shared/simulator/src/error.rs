//! Why a simulator could not start or stop cleanly.

use std::net::SocketAddr;

/// A simulator failed to start, serve or stop.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("the simulator's server failed")]
    Serve(#[source] std::io::Error),
    /// A background task of the simulator panicked or was cancelled.
    #[error("a simulator task ended abnormally")]
    Task(#[source] tokio::task::JoinError),
}
