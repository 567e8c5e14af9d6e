//! Reading variables, from the process environment or a map in tests.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

/// A variable was missing or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{variable} is required but not set")]
    Missing { variable: &'static str },
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        variable: &'static str,
        reason: String,
    },
}

/// A source of configuration variables.
#[derive(Debug, Clone, Default)]
pub struct Env {
    overrides: Option<HashMap<String, String>>,
}

impl Env {
    /// Reads the process environment.
    pub fn process() -> Self {
        Env { overrides: None }
    }

    /// Reads only the given pairs; for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Env {
            overrides: Some(map),
        }
    }

    /// The variable's value; unset and empty are the same.
    pub fn get(&self, variable: &str) -> Option<String> {
        let value = match &self.overrides {
            Some(map) => map.get(variable).cloned(),
            None => std::env::var(variable).ok(),
        };
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A required variable, parsed.
    pub fn required<T>(&self, variable: &'static str) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self
            .get(variable)
            .ok_or(ConfigError::Missing { variable })?;
        parse(variable, &raw)
    }

    /// An optional variable, parsed, or `default` when unset.
    pub fn or<T>(&self, variable: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.optional(variable).map(|v| v.unwrap_or(default))
    }

    /// An optional variable, parsed.
    pub fn optional<T>(&self, variable: &'static str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.get(variable)
            .map(|raw| parse(variable, &raw))
            .transpose()
    }

    /// An optional variable read with a custom parser.
    pub fn optional_with<T>(
        &self,
        variable: &'static str,
        parser: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(variable)
            .map(|raw| parser(&raw).map_err(|reason| ConfigError::Invalid { variable, reason }))
            .transpose()
    }
}

fn parse<T>(variable: &'static str, raw: &str) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse().map_err(|e: T::Err| {
        let reason = number_reason::<T>(raw).unwrap_or_else(|| e.to_string());
        ConfigError::Invalid {
            variable,
            reason: if may_echo(variable) {
                format!("{reason} (got {raw:?})")
            } else {
                reason
            },
        }
    })
}

/// Why `raw` is not a number of type `T`, in an operator's words rather
/// than the standard library's ("invalid digit found in string"); `None`
/// when `T` is not a number.
fn number_reason<T>(raw: &str) -> Option<String> {
    let name = std::any::type_name::<T>();
    let whole = ["u8", "u16", "u32", "u64", "u128", "usize"];
    let signed = ["i8", "i16", "i32", "i64", "i128", "isize"];
    let reason = if whole.contains(&name) || signed.contains(&name) {
        let digits = raw.trim_start_matches(['-', '+']);
        let looks_whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        match (looks_whole, raw.starts_with('-')) {
            (true, true) if whole.contains(&name) => "must not be negative",
            (true, _) => "the number is too large",
            (false, _) => "expected a whole number",
        }
    } else if ["f32", "f64"].contains(&name) {
        "expected a number"
    } else {
        return None;
    };
    Some(reason.to_owned())
}

/// Whether a variable's value may appear in an error: not when it may hold
/// a credential (a URL with a password, a key, a secret, a token).
fn may_echo(variable: &str) -> bool {
    !["URL", "SECRET", "KEY", "TOKEN", "PASSWORD"]
        .iter()
        .any(|word| variable.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_variable() {
        let env = Env::from_pairs([("PAGE_SIZE", "fifty")]);
        let err = env.required::<u32>("PAGE_SIZE").unwrap_err();
        assert!(err.to_string().starts_with("PAGE_SIZE is invalid"), "{err}");
        let err = env.required::<u32>("DATABASE_URL").unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL is required but not set");
    }

    #[test]
    fn a_bad_value_is_shown_unless_it_may_hold_a_credential() {
        let env = Env::from_pairs([("LOADER_CONCURRENCY", "abc"), ("API_KEY", "s3cr3t!x")]);
        let err = env.or("LOADER_CONCURRENCY", 2_usize).unwrap_err();
        assert_eq!(
            err.to_string(),
            "LOADER_CONCURRENCY is invalid: expected a whole number (got \"abc\")"
        );
        let err = env.or("API_KEY", 1_u32).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn bad_numbers_are_explained_in_plain_words() {
        let env = Env::from_pairs([
            ("PAGE_SIZE", "-5"),
            ("PORT", "99999999999"),
            ("DELTA", "1.5"),
            ("RATIO", "half"),
        ]);
        let reason = |e: ConfigError| e.to_string();
        assert_eq!(
            reason(env.or("PAGE_SIZE", 1_u32).unwrap_err()),
            "PAGE_SIZE is invalid: must not be negative (got \"-5\")"
        );
        assert_eq!(
            reason(env.or("PORT", 1_u16).unwrap_err()),
            "PORT is invalid: the number is too large (got \"99999999999\")"
        );
        assert_eq!(
            reason(env.or("DELTA", 1_i64).unwrap_err()),
            "DELTA is invalid: expected a whole number (got \"1.5\")"
        );
        assert_eq!(
            reason(env.or("RATIO", 1.0_f64).unwrap_err()),
            "RATIO is invalid: expected a number (got \"half\")"
        );
    }

    #[test]
    fn empty_counts_as_unset() {
        let env = Env::from_pairs([("PAGE_SIZE", "  ")]);
        assert_eq!(env.or("PAGE_SIZE", 50_u32), Ok(50));
    }
}
