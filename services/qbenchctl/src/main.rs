//! `qbenchctl`: the operator's command line. It talks to PostgreSQL, to the
//! fetcher over NATS, and (for `verify`) to QBench itself. It also manages
//! the API's users and the banlist.

mod commands;
mod context;
mod progress;

use clap::{Parser, Subcommand};
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
        #[arg(long, default_value_t = 1800)]
        stall_timeout: u64,
    },
    /// Fetch records by id now, with their missing parents.
    Fetch {
        entity: Entity,
        #[arg(required = true)]
        ids: Vec<i64>,
        /// How long to wait for the records to be loaded, in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Checkpoints, fetch cursors, consumer lag and skipped counts.
    Status,
    /// Records set aside by the loaders.
    Skipped {
        #[command(subcommand)]
        action: SkippedAction,
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
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a new password; tokens issued before it stop working.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: Option<String>,
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
        #[arg(long)]
        id: i32,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Lift a ban.
    Remove {
        #[arg(long = "type")]
        entity: Entity,
        #[arg(long)]
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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    mirror_telemetry::init("qbenchctl", "warn");
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
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
        Command::Status => commands::status::run(&env).await,
        Command::Skipped {
            action: SkippedAction::List { entity },
        } => commands::skipped::list(&env, entity).await,
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
        UsersAction::Create { username, password } => users::create(env, &username, password).await,
        UsersAction::ResetPassword {
            username,
            password,
            unlock,
        } => users::reset_password(env, &username, password, unlock).await,
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
