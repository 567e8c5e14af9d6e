//! Usernames: trimmed, and unique regardless of case.

use std::fmt;

/// Longest username the `users` table holds.
const MAX_USERNAME_CHARS: usize = 150;

/// A username as entered, trimmed of surrounding white space.
///
/// Two usernames that differ only in case name the same account: lookups
/// and the unique index compare `lower(btrim(username))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// The text cannot be a username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUsername {
    #[error("the username is empty")]
    Empty,
    #[error("the username is longer than {MAX_USERNAME_CHARS} characters")]
    TooLong,
    #[error("the username contains control characters")]
    ControlCharacter,
}

impl Username {
    /// Trims `raw` and checks it is a plausible username.
    pub fn parse(raw: &str) -> Result<Self, InvalidUsername> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidUsername::Empty);
        }
        if trimmed.chars().count() > MAX_USERNAME_CHARS {
            return Err(InvalidUsername::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidUsername::ControlCharacter);
        }
        Ok(Username(trimmed.to_owned()))
    }

    /// The trimmed text, in the case it was entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_keep_their_case() {
        assert_eq!(Username::parse("  Alice \t").unwrap().as_str(), "Alice");
    }

    #[test]
    fn blank_long_and_control_usernames_are_refused() {
        assert_eq!(Username::parse("   "), Err(InvalidUsername::Empty));
        assert_eq!(
            Username::parse(&"a".repeat(151)),
            Err(InvalidUsername::TooLong)
        );
        assert_eq!(
            Username::parse("al\u{0}ice"),
            Err(InvalidUsername::ControlCharacter)
        );
    }
}
