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
    let accounts = accounts(env).await?;
    // Named before a password is asked for or judged.
    accounts.require_user(&username).await?;
    let password = new_password(password)?;

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
    let accounts = Accounts::new(context::existing_database(env).await?);
    let users = accounts.list_users().await?;

    if users.is_empty() {
        println!("no users; create one with `qbenchctl users create --username NAME`");
        return Ok(ExitCode::SUCCESS);
    }
    let now = Utc::now();
    let rows: Vec<[String; 4]> = users.iter().map(|user| describe(user, now)).collect();
    let header = ["USERNAME", "STATE", "FAILED", "LAST LOGIN"].map(str::to_owned);
    for line in aligned(&header, &rows) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A user's cells: name, state, failed attempts and last login.
fn describe(user: &User, now: DateTime<Utc>) -> [String; 4] {
    let state = match (user.is_active, user.locked_until) {
        (false, _) => "disabled".to_owned(),
        (true, Some(until)) if until > now => {
            format!("locked until {}", until.format("%Y-%m-%d %H:%M UTC"))
        }
        (true, _) => "active".to_owned(),
    };
    let last_login = user.last_login_at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    [
        user.username.clone(),
        state,
        user.failed_attempts.to_string(),
        last_login,
    ]
}

/// The header and rows as lines whose columns line up, two spaces apart.
fn aligned(header: &[String; 4], rows: &[[String; 4]]) -> Vec<String> {
    let mut widths = [0; 4];
    for cells in std::iter::once(header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    std::iter::once(header)
        .chain(rows)
        .map(|cells| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            padded.join("  ").trim_end().to_owned()
        })
        .collect()
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
    let read = std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    if read == 0 {
        bail!("no password on standard input (--password-stdin reads its first line)");
    }
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
    fn a_listing_says_whether_each_user_can_log_in() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        let earlier = now - chrono::Duration::hours(1);
        assert_eq!(describe(&user(true, None), now)[1], "active");
        assert_eq!(describe(&user(false, None), now)[1], "disabled");
        assert!(describe(&user(true, Some(later)), now)[1].starts_with("locked until "));
        assert_eq!(describe(&user(true, Some(earlier)), now)[1], "active");
    }

    #[test]
    fn listed_columns_line_up_whatever_the_state() {
        let cells = |name: &str, state: &str| [name, state, "0", "never"].map(str::to_owned);
        let header = ["USERNAME", "STATE", "FAILED", "LAST LOGIN"].map(str::to_owned);
        let rows = [
            cells("alice", "active"),
            cells(
                "bob.the.lab.manager",
                "locked until 2026-12-06T10:00:00+00:00",
            ),
        ];

        let lines = aligned(&header, &rows);

        let column = |line: &str, text: &str| line.find(text).unwrap();
        let state = column(&lines[0], "STATE");
        assert_eq!(column(&lines[1], "active"), state);
        assert_eq!(column(&lines[2], "locked"), state);
        let last_login = column(&lines[0], "LAST LOGIN");
        assert_eq!(lines[1].rfind("never").unwrap(), last_login);
        assert_eq!(lines[2].rfind("never").unwrap(), last_login);
        assert!(lines.iter().all(|line| !line.ends_with(' ')));
    }

    #[test]
    fn a_given_password_must_meet_the_policy() {
        let err = new_password(PasswordSource::Given("short".to_owned())).unwrap_err();
        assert!(err.to_string().contains("at least 10 characters"), "{err}");
        assert!(new_password(PasswordSource::Given("Lab0ratory!".to_owned())).is_ok());
    }
}
