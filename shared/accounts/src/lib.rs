//! The API's accounts and the banlist, shared by the API (login, token
//! checks) and by `qbenchctl` (user and banlist management).
//!
//! Passwords are kept only as bcrypt hashes. A login always runs exactly one
//! bcrypt verification, against a fixed dummy hash when the user is unknown,
//! so an unknown user, a wrong password, a disabled and a locked account cost
//! the same time and give the caller the same answer. Three failed logins
//! lock an account for 24 hours; the counter moves in one `UPDATE`, so
//! concurrent attempts cannot overshoot it.
//!
//! The banlist only records bans: the `visible_*` views every read goes
//! through apply them, with cascade to children.

mod banlist;
mod error;
mod hashing;
mod login;
mod policy;
mod username;
mod users;

pub use banlist::{Ban, BanChange, ban, list_bans, unban};
pub use error::AccountError;
pub use hashing::{DEFAULT_COST, Hasher};
pub use login::{LOCKOUT, LoginOutcome, LoginRefusal, MAX_FAILED_ATTEMPTS, TokenHolder};
pub use policy::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, Password, PolicyError, PolicyRule};
pub use username::{InvalidUsername, Username};
pub use users::{Accounts, AuthenticatedUser, User};
