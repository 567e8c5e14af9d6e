//! `qbenchctl users`: the API's accounts.

use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use mirror_accounts::{Accounts, Password, User, Username};
use mirror_config::Env;
use secrecy::{ExposeSecret, SecretString};

use crate::context;

/// Where a new password comes from.
#[derive(Debug)]
pub enum PasswordSource {
    /// `--password`.
    Given(String),
    /// `--password-stdin`: the first line of standard input.
    Stdin,
    /// Asked for twice on the terminal.
    Prompt,
}

/// The source the flags name.
pub fn source(password: Option<String>, stdin: bool) -> PasswordSource {
    match (password, stdin) {
        (Some(text), _) => PasswordSource::Given(text),
        (None, true) => PasswordSource::Stdin,
        (None, false) => PasswordSource::Prompt,
    }
}

/// Creates a user, prompting for the password when none is given.
pub async fn create(
    env: &Env,
    username: &str,
    password: PasswordSource,
) -> anyhow::Result<ExitCode> {
    let username = Username::parse(username)?;
    let password = new_password(password)?;
    let accounts = accounts(env).await?;

    let user = accounts.create_user(&username, &password).await?;

    println!("created user {} (id {})", user.username, user.id);
    Ok(ExitCode::SUCCESS)
}

/// Sets a new password; tokens issued before it stop working.
pub async fn reset_password(
    env: &Env,
    username: &str,
    password: PasswordSource,
    unlock: bool,
) -> anyhow::Result<ExitCode> {
    let username = Username::parse(username)?;
    let password = new_password(password)?;
    let accounts = accounts(env).await?;

    let user = accounts
        .reset_password(&username, &password, unlock)
        .await?;

    println!(
        "password of {} reset; earlier tokens no longer work",
        user.username
    );
    if unlock {
        println!("{} unlocked", user.username);
    } else if user.is_locked_at(Utc::now()) {
        println!(
            "{} is still locked; add --unlock to lift the lock",
            user.username
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Disables (`active = false`) or enables a user.
pub async fn set_active(env: &Env, username: &str, active: bool) -> anyhow::Result<ExitCode> {
    let username = Username::parse(username)?;
    let accounts = accounts(env).await?;

    let user = accounts.set_active(&username, active).await?;

    let state = if active {
        "enabled"
    } else {
        "disabled; its tokens no longer work"
    };
    println!("{} {state}", user.username);
    Ok(ExitCode::SUCCESS)
}

/// Prints every user with its state.
pub async fn list(env: &Env) -> anyhow::Result<ExitCode> {
    let accounts = accounts(env).await?;
    let users = accounts.list_users().await?;

    if users.is_empty() {
        println!("no users; create one with `qbenchctl users create --username NAME`");
    }
    let now = Utc::now();
    for user in &users {
        println!("{}", describe(user, now));
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per user: name, state, failures and last login.
fn describe(user: &User, now: DateTime<Utc>) -> String {
    let state = match (user.is_active, user.locked_until) {
        (false, _) => "disabled".to_owned(),
        (true, Some(until)) if until > now => format!("locked until {}", until.to_rfc3339()),
        (true, _) => "active".to_owned(),
    };
    let last_login = user
        .last_login_at
        .map_or_else(|| "never".to_owned(), |at| at.to_rfc3339());
    format!(
        "{:<24} {state}  failed_attempts={} last_login={last_login}",
        user.username, user.failed_attempts
    )
}

async fn accounts(env: &Env) -> anyhow::Result<Accounts> {
    Ok(Accounts::new(context::database(env).await?))
}

/// The password given, or one typed twice without echo; either way it
/// must meet the policy.
fn new_password(source: PasswordSource) -> anyhow::Result<Password> {
    let text = match source {
        PasswordSource::Given(text) => SecretString::from(text),
        PasswordSource::Stdin => read_stdin_line()?,
        PasswordSource::Prompt => prompt_twice()?,
    };
    Ok(Password::parse(text)?)
}

/// The first line of standard input, without its line ending.
fn read_stdin_line() -> anyhow::Result<SecretString> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(SecretString::from(password.to_owned()))
}

fn prompt_twice() -> anyhow::Result<SecretString> {
    const NO_TERMINAL: &str = "cannot ask for the password (no terminal); \
                               pipe it in with --password-stdin";
    let first =
        SecretString::from(rpassword::prompt_password("New password: ").context(NO_TERMINAL)?);
    // Check the policy before asking again, so a refused password is not typed twice.
    let first = Password::parse(first)?;
    let second = SecretString::from(
        rpassword::prompt_password("Repeat the password: ").context(NO_TERMINAL)?,
    );
    if first.expose() != second.expose_secret() {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(SecretString::from(first.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(active: bool, locked_until: Option<DateTime<Utc>>) -> User {
        User {
            id: 1,
            username: "alice".to_owned(),
            is_active: active,
            failed_attempts: 0,
            locked_until,
            last_login_at: None,
            password_changed_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_listing_line_says_whether_the_user_can_log_in() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        assert!(describe(&user(true, None), now).contains(" active "));
        assert!(describe(&user(false, None), now).contains(" disabled "));
        assert!(describe(&user(true, Some(later)), now).contains("locked until"));
        assert!(
            describe(&user(true, Some(now - chrono::Duration::hours(1))), now).contains(" active ")
        );
    }

    #[test]
    fn a_given_password_must_meet_the_policy() {
        let err = new_password(PasswordSource::Given("short".to_owned())).unwrap_err();
        assert!(err.to_string().contains("at least 10 characters"), "{err}");
        assert!(new_password(PasswordSource::Given("Lab0ratory!".to_owned())).is_ok());
    }
}
