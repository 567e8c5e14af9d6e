//! `qbenchctl`: the operator's command line. It talks to PostgreSQL, to the
//! fetcher over NATS, and (for `verify`) to QBench itself. It also manages
//! the API's users and the banlist.

mod commands;
mod context;
mod progress;
mod replay;

use std::fmt::Display;
use std::ops::{Bound, RangeBounds};
use std::str::FromStr;

use clap::{Parser, Subcommand};
use mirror_bus::control::MAX_WINDOW_DAYS;
use mirror_records::Entity;

/// Operate a qbench-mirror installation.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask the running fetcher for a sync now.
    Sync {
        /// Read everything instead of what changed since the last sync.
        #[arg(long)]
        full: bool,
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
        /// Return only when every record of the sync is loaded or set aside;
        /// exit non-zero if the sync did not publish every page.
        #[arg(long)]
        wait: bool,
        /// With --wait: give up (exit non-zero; the sync goes on) after this
        /// many seconds without any progress, e.g. when the fetcher died.
        #[arg(long, default_value_t = 1800, value_parser = seconds, allow_negative_numbers = true)]
        stall_timeout: u64,
    },
    /// Re-read the records created in the last N days, wait until they are
    /// loaded, and write the sync report; exits non-zero when a part failed.
    Window {
        /// Days back from now, 1 to 3650; the fetcher's SYNC_LOOKBACK_DAYS
        /// (7) by default.
        #[arg(long, env = "SYNC_LOOKBACK_DAYS",
              value_parser = window_days, allow_negative_numbers = true)]
        days: Option<u32>,
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
        /// Where the report file goes.
        #[arg(long, env = "SYNC_REPORT_DIR", default_value = "docs/sync_reports")]
        report_dir: std::path::PathBuf,
        /// Give up (exit non-zero; the sync goes on) after this many seconds
        /// without any progress.
        #[arg(long, default_value_t = 1800, value_parser = seconds, allow_negative_numbers = true)]
        stall_timeout: u64,
    },
    /// Fetch records by id now, with their missing parents.
    Fetch {
        /// customer, order, sample, batch or test.
        entity: Entity,
        /// QBench ids (positive numbers).
        #[arg(required = true, value_parser = record_id_i64, allow_negative_numbers = true)]
        ids: Vec<i64>,
        /// How long to wait for the records to be loaded, in seconds.
        #[arg(long, default_value_t = 120, value_parser = seconds, allow_negative_numbers = true)]
        timeout: u64,
    },
    /// Load records already in QBENCH_RAW again, without asking QBench
    /// (after a mapping fix); the loaders' consumers are not touched.
    #[command(group = clap::ArgGroup::new("start").required(true))]
    Replay {
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
        /// From the first message stored at this time: RFC 3339, a date
        /// (midnight UTC) or a duration back from now such as 6h.
        #[arg(long, group = "start", value_parser = commands::replay::parse_since,
              allow_hyphen_values = true)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// From this stream sequence.
        #[arg(long, group = "start", value_parser = stream_sequence, allow_negative_numbers = true)]
        from_seq: Option<u64>,
        /// Also rewrite rows whose stored version equals the replayed one;
        /// an older version never overwrites a newer one.
        #[arg(long)]
        force: bool,
    },
    /// Checkpoints, fetch cursors, consumer lag and skipped counts.
    Status,
    /// Records set aside by the loaders.
    Skipped {
        #[command(subcommand)]
        action: SkippedAction,
    },
    /// The dead-letter stream: records given up on, with the reason.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Compare the mirror with QBench: counts, missing and extra ids, stale
    /// versions. Exits 0 only when they are equal.
    Verify {
        /// Only these entities (repeatable); all by default.
        #[arg(long = "entity")]
        entities: Vec<Entity>,
    },
    /// The API's users: create, reset a password, disable, enable, list.
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Records hidden from every read of the API, with their children.
    Banlist {
        #[command(subcommand)]
        action: BanlistAction,
    },
}

/// Passwords need at least 10 characters with a lower-case letter, an
/// upper-case letter and a digit, and at most 72 bytes.
#[derive(Debug, Subcommand)]
enum UsersAction {
    /// Create a user; prompts for the password twice unless given.
    Create {
        #[arg(long)]
        username: String,
        /// Visible in the shell history; omit it to be prompted instead.
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input (for
        /// scripts; nothing lands in the shell history).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password; tokens issued before it stop working.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Also lift a lock left by failed logins.
        #[arg(long)]
        unlock: bool,
    },
    /// Refuse the user's logins and tokens from now on.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Let a disabled user log in again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// List users with their state.
    List,
}

#[derive(Debug, Subcommand)]
enum BanlistAction {
    /// Ban a record (a customer hides its orders, samples and tests).
    Add {
        #[arg(long = "type")]
        entity: Entity,
        #[arg(long, value_parser = record_id, allow_negative_numbers = true)]
        id: i32,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Lift a ban.
    Remove {
        #[arg(long = "type")]
        entity: Entity,
        #[arg(long, value_parser = record_id, allow_negative_numbers = true)]
        id: i32,
    },
    /// List bans, of one entity type or all.
    List {
        #[arg(long = "type")]
        entity: Option<Entity>,
    },
}

#[derive(Debug, Subcommand)]
enum SkippedAction {
    /// List the records set aside and not yet loaded.
    List {
        #[arg(long)]
        entity: Option<Entity>,
    },
    /// Send records set aside back to the loaders for another round of
    /// attempts; all unresolved ones unless narrowed.
    Retry {
        #[arg(long)]
        entity: Option<Entity>,
        /// Only these record ids (repeatable).
        #[arg(long = "id", value_parser = record_id, allow_negative_numbers = true)]
        ids: Vec<i32>,
        /// Ask the fetcher for each record's current copy from QBench
        /// instead of resending the stored payload.
        #[arg(long)]
        refetch: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DlqAction {
    /// One line per dead letter, oldest first.
    List {
        #[arg(long)]
        entity: Option<Entity>,
        /// At most this many (1 or more).
        #[arg(long, default_value_t = 100, value_parser = at_least_one, allow_negative_numbers = true)]
        limit: usize,
    },
    /// A dead letter's headers and payload.
    Show {
        #[arg(value_parser = stream_sequence, allow_negative_numbers = true)]
        sequence: u64,
    },
    /// Send dead letters back to the loaders and remove them from the stream.
    #[command(group = clap::ArgGroup::new("which").required(true))]
    Retry {
        /// Dead-letter sequences, as `dlq list` shows them.
        #[arg(group = "which", value_parser = stream_sequence, allow_negative_numbers = true)]
        sequences: Vec<u64>,
        /// Every dead letter (of --entity, when given).
        #[arg(long, group = "which")]
        all: bool,
        #[arg(long, requires = "all")]
        entity: Option<Entity>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    quiet_on_closed_pipe();
    mirror_telemetry::init("qbenchctl", "warn");
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Ends the process quietly when its output is closed early, as in
/// `qbenchctl skipped list | head`: printing then fails with a broken
/// pipe, which is the reader's choice, not an error to report.
fn quiet_on_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            // What a shell reports for a process ended by SIGPIPE.
            std::process::exit(141);
        }
        report(info);
    }));
}

/// An error and its causes on one line. A cause whose text its parent
/// already quotes (as database and configuration errors do) is said once.
fn describe(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    let mut last = line.clone();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !last.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        last = text;
    }
    line
}

async fn run(command: Command) -> anyhow::Result<std::process::ExitCode> {
    let env = mirror_config::Env::process();
    match command {
        Command::Sync {
            full,
            entities,
            wait,
            stall_timeout,
        } => {
            let wait = wait.then_some(std::time::Duration::from_secs(stall_timeout));
            commands::sync::run(&env, full, &entities, wait).await
        }
        Command::Fetch {
            entity,
            ids,
            timeout,
        } => commands::fetch::run(&env, entity, &ids, timeout).await,
        Command::Replay {
            entities,
            since,
            from_seq,
            force,
        } => {
            let start = match (since, from_seq) {
                (Some(time), _) => replay::ReplayStart::Since(time),
                (None, sequence) => replay::ReplayStart::Sequence(sequence.unwrap_or(1)),
            };
            commands::replay::run(&env, &entities, start, force).await
        }
        Command::Window {
            days,
            entities,
            report_dir,
            stall_timeout,
        } => {
            let args = commands::window::WindowArgs {
                days,
                entities: &entities,
                report_dir: &report_dir,
                stall_timeout: std::time::Duration::from_secs(stall_timeout),
            };
            commands::window::run(&env, args).await
        }
        Command::Status => commands::status::run(&env).await,
        Command::Skipped { action } => match action {
            SkippedAction::List { entity } => commands::skipped::list(&env, entity).await,
            SkippedAction::Retry {
                entity,
                ids,
                refetch,
            } => commands::skipped::retry(&env, entity, &ids, refetch).await,
        },
        Command::Dlq { action } => match action {
            DlqAction::List { entity, limit } => commands::dlq::list(&env, entity, limit).await,
            DlqAction::Show { sequence } => commands::dlq::show(&env, sequence).await,
            DlqAction::Retry {
                sequences,
                all,
                entity,
            } => commands::dlq::retry(&env, &sequences, all, entity).await,
        },
        Command::Verify { entities } => commands::verify::run(&env, &entities).await,
        Command::Users { action } => users(&env, action).await,
        Command::Banlist { action } => banlist(&env, action).await,
    }
}

async fn users(
    env: &mirror_config::Env,
    action: UsersAction,
) -> anyhow::Result<std::process::ExitCode> {
    use commands::users;
    match action {
        UsersAction::Create {
            username,
            password,
            password_stdin,
        } => users::create(env, &username, users::source(password, password_stdin)).await,
        UsersAction::ResetPassword {
            username,
            password,
            password_stdin,
            unlock,
        } => {
            let source = users::source(password, password_stdin);
            users::reset_password(env, &username, source, unlock).await
        }
        UsersAction::Disable { username } => users::set_active(env, &username, false).await,
        UsersAction::Enable { username } => users::set_active(env, &username, true).await,
        UsersAction::List => users::list(env).await,
    }
}

async fn banlist(
    env: &mirror_config::Env,
    action: BanlistAction,
) -> anyhow::Result<std::process::ExitCode> {
    use commands::banlist;
    match action {
        BanlistAction::Add { entity, id, reason } => {
            banlist::add(env, entity, id, reason.as_deref()).await
        }
        BanlistAction::Remove { entity, id } => banlist::remove(env, entity, id).await,
        BanlistAction::List { entity } => banlist::list(env, entity).await,
    }
}

/// `text` as a number within `range`, or a sentence naming `what` it
/// should have been.
fn number_in<T>(text: &str, range: impl RangeBounds<T>, what: &str) -> Result<T, String>
where
    T: FromStr + PartialOrd + Display,
{
    match text.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => {
            let bounds = match (range.start_bound(), range.end_bound()) {
                (Bound::Included(low), Bound::Included(high)) => format!("{low} to {high}"),
                (Bound::Included(low), Bound::Unbounded) => format!("{low} or more"),
                _ => "out of range".to_owned(),
            };
            Err(format!("{text:?} is not {what} ({bounds})"))
        }
    }
}

/// A QBench record id: a positive number that fits its 32-bit column.
fn record_id(text: &str) -> Result<i32, String> {
    number_in(text, 1..=i32::MAX, "a record id")
}

fn record_id_i64(text: &str) -> Result<i64, String> {
    record_id(text).map(i64::from)
}

/// Days of a window, 1 to [`MAX_WINDOW_DAYS`]; the error names the
/// variable too, since the value often comes from the environment.
fn window_days(text: &str) -> Result<u32, String> {
    number_in(text, 1..=MAX_WINDOW_DAYS, "a number of days")
        .map_err(|e| format!("{e}, from --days or SYNC_LOOKBACK_DAYS"))
}

/// A JetStream stream sequence.
fn stream_sequence(text: &str) -> Result<u64, String> {
    number_in(text, 1.., "a stream sequence")
}

/// A wait in seconds: 1 to a week.
fn seconds(text: &str) -> Result<u64, String> {
    number_in(text, 1..=7 * 86_400, "a number of seconds")
}

/// A count of one or more.
fn at_least_one(text: &str) -> Result<usize, String> {
    number_in(text, 1.., "a count")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, describe};

    #[test]
    fn record_ids_must_be_positive() {
        for bad in ["0", "-5", "abc", "2147483648"] {
            let id = format!("--id={bad}");
            let args = ["qbenchctl", "banlist", "add", "--type", "test", &id];
            let err = Cli::try_parse_from(args).unwrap_err().to_string();
            assert!(err.contains("is not a record id"), "{bad}: {err}");
            let args = ["qbenchctl", "fetch", "test", "--", bad];
            let err = Cli::try_parse_from(args).unwrap_err().to_string();
            assert!(err.contains("is not a record id"), "{bad}: {err}");
        }
        let args = ["qbenchctl", "skipped", "retry", "--id", "0"];
        assert!(Cli::try_parse_from(args).is_err());
        assert!(Cli::try_parse_from(["qbenchctl", "fetch", "test", "42"]).is_ok());
        assert!(Cli::try_parse_from(["qbenchctl", "dlq", "list", "--limit", "0"]).is_err());
        for bad in ["0", "18446744073709551615"] {
            let args = ["qbenchctl", "fetch", "test", "1", "--timeout", bad];
            let err = Cli::try_parse_from(args).unwrap_err().to_string();
            assert!(err.contains("is not a number of seconds"), "{bad}: {err}");
            let args = ["qbenchctl", "sync", "--wait", "--stall-timeout", bad];
            assert!(Cli::try_parse_from(args).is_err(), "{bad}");
        }
        for bad in ["abc", "0", "-1"] {
            let err = Cli::try_parse_from(["qbenchctl", "dlq", "show", "--", bad])
                .unwrap_err()
                .to_string();
            assert!(err.contains("is not a stream sequence"), "{bad}: {err}");
        }
        assert!(Cli::try_parse_from(["qbenchctl", "dlq", "list", "--limit", "5"]).is_ok());
    }

    /// A negative number is read as a value, so the message says what the
    /// value must be, not that it looks like an unknown flag.
    #[test]
    fn negative_numbers_are_refused_for_what_they_are() {
        for (args, said) in [
            (&["fetch", "test", "-5"][..], "is not a record id"),
            (
                &["banlist", "add", "--type", "test", "--id", "-3"],
                "is not a record id",
            ),
            (&["skipped", "retry", "--id", "-2"], "is not a record id"),
            (&["window", "--days", "-1"], "is not a number of days"),
            (&["dlq", "show", "-4"], "is not a stream sequence"),
            (&["dlq", "list", "--limit", "-1"], "-1"),
            (
                &["fetch", "test", "1", "--timeout", "-1"],
                "is not a number of seconds",
            ),
            (
                &["replay", "--entity", "test", "--since", "-6h"],
                "is neither a time",
            ),
        ] {
            let err = Cli::try_parse_from(std::iter::once(&"qbenchctl").chain(args))
                .unwrap_err()
                .to_string();
            assert!(err.contains(said), "{args:?}: {err}");
            assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        }
    }

    #[test]
    fn a_cause_its_parent_quotes_is_said_once() {
        let inner = anyhow::anyhow!("relative URL without a base");
        let middle = inner.context("error with configuration: relative URL without a base");
        let outer = middle.context("cannot open the mirror's database (DATABASE_URL)");
        assert_eq!(
            describe(&outer),
            "cannot open the mirror's database (DATABASE_URL): \
             error with configuration: relative URL without a base"
        );
    }
}
