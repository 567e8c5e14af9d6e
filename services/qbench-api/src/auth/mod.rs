//! Login and bearer tokens.

mod login;
mod tokens;
mod user;

pub use login::{LoginRequest, LoginResponse, LoginUser, router};
pub use tokens::{Claims, IssuedToken, TokenKeys, honoured_by};
pub use user::{AuthUser, require_auth};
