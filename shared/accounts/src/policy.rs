//! The password policy: what a new password must look like.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Fewest characters (not bytes) a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Most UTF-8 bytes a password may have: bcrypt ignores every byte past the
/// 72nd, so a longer password would silently match any of its extensions.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// One rule of the policy that a password broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRule {
    TooShort,
    TooLong,
    NoLowercase,
    NoUppercase,
    NoDigit,
}

impl PolicyRule {
    /// What the rule asks for, as the operator reads it.
    pub fn message(self) -> String {
        match self {
            PolicyRule::TooShort => {
                format!("must be at least {MIN_PASSWORD_CHARS} characters long")
            }
            PolicyRule::TooLong => format!(
                "must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8 \
                 (accented and non-Latin characters take 2 to 4 bytes each)"
            ),
            PolicyRule::NoLowercase => "must contain a lower-case letter".to_owned(),
            PolicyRule::NoUppercase => "must contain an upper-case letter".to_owned(),
            PolicyRule::NoDigit => "must contain a digit".to_owned(),
        }
    }
}

/// A password broke one or more rules; each is listed once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub broken: Vec<PolicyRule>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<String> = self.broken.iter().map(|r| r.message()).collect();
        write!(f, "the password {}", messages.join("; it "))
    }
}

/// A password that satisfies the policy; its text is kept secret.
#[derive(Debug)]
pub struct Password(SecretString);

impl Password {
    /// Checks `candidate` against every rule and reports all it breaks.
    pub fn parse(candidate: SecretString) -> Result<Self, PolicyError> {
        let broken = broken_rules(candidate.expose_secret());
        if broken.is_empty() {
            Ok(Password(candidate))
        } else {
            Err(PolicyError { broken })
        }
    }

    /// The password's text, for hashing.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Every rule `text` breaks, in a stable order.
fn broken_rules(text: &str) -> Vec<PolicyRule> {
    let checks = [
        (
            text.chars().count() < MIN_PASSWORD_CHARS,
            PolicyRule::TooShort,
        ),
        (text.len() > MAX_PASSWORD_BYTES, PolicyRule::TooLong),
        (
            !text.chars().any(char::is_lowercase),
            PolicyRule::NoLowercase,
        ),
        (
            !text.chars().any(char::is_uppercase),
            PolicyRule::NoUppercase,
        ),
        (
            !text.chars().any(|c| c.is_ascii_digit()),
            PolicyRule::NoDigit,
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(broken, rule)| broken.then_some(rule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<PolicyRule> {
        match Password::parse(SecretString::from(text)) {
            Ok(_) => Vec::new(),
            Err(e) => e.broken,
        }
    }

    #[test]
    fn a_password_meeting_every_rule_is_accepted() {
        assert_eq!(rules("Lab0ratory!"), vec![]);
    }

    #[test]
    fn each_broken_rule_is_reported_once() {
        assert_eq!(rules("Ab1"), vec![PolicyRule::TooShort]);
        assert_eq!(rules("lowercase123"), vec![PolicyRule::NoUppercase]);
        assert_eq!(rules("UPPERCASE123"), vec![PolicyRule::NoLowercase]);
        assert_eq!(rules("NoDigitsHere"), vec![PolicyRule::NoDigit]);
        assert_eq!(
            rules("abc"),
            vec![
                PolicyRule::TooShort,
                PolicyRule::NoUppercase,
                PolicyRule::NoDigit
            ]
        );
    }

    #[test]
    fn the_message_names_every_broken_rule() {
        let err = Password::parse(SecretString::from("short")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the password must be at least 10 characters long; \
             it must contain an upper-case letter; it must contain a digit"
        );
    }

    #[test]
    fn length_limit_counts_utf8_bytes_not_characters() {
        // "Aa1" is 3 bytes, each of these CJK characters 3 more.
        let exactly_72 = format!("Aa1{}", "漢".repeat(23));
        assert_eq!(exactly_72.len(), 72);
        assert_eq!(rules(&exactly_72), vec![]);

        let one_over = format!("{exactly_72}x");
        assert_eq!(rules(&one_over), vec![PolicyRule::TooLong]);

        // 25 CJK characters are 75 bytes: refused although only 28 characters.
        let cjk_75 = format!("Aa1{}", "漢".repeat(25));
        assert_eq!(cjk_75.chars().count(), 28);
        assert_eq!(rules(&cjk_75), vec![PolicyRule::TooLong]);
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse(SecretString::from("Lab0ratory!")).unwrap();
        assert!(!format!("{password:?}").contains("Lab0ratory"));
    }
}
