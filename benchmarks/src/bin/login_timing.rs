//! `login-timing`: whether a refused login's time tells why it was refused.
//!
//! The API answers an unknown user, a wrong password, a disabled account
//! and a locked account with the same status and body; this measures
//! whether their times differ. It sends refused logins of the four kinds
//! one at a time, in rounds that take each kind once (the order rotating
//! from round to round, so a slow spell of the machine falls on every kind
//! alike), and prints per kind the median, the 10th and 90th percentiles
//! and the mean, each median as a ratio of the wrong password's, and
//! whether every answer had the same status and body.
//!
//! A wrong password counts towards its account's lock, so each account of
//! `--wrong-password-users` takes at most three (the third locks it): give
//! one account per three rounds. The disabled and locked accounts are sent
//! their right password, the case where only the account's state refuses.
//! The driver script `benchmarks/login.sh` prepares the accounts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use qbench_benchmarks::percentile;

/// Times refused logins of each kind against a running API.
#[derive(Debug, Parser)]
#[command(name = "login-timing", version)]
struct Args {
    /// The API's root, e.g. `http://127.0.0.1:8000`.
    #[arg(long)]
    base_url: String,
    /// Active accounts to send wrong passwords to, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    wrong_password_users: Vec<String>,
    /// A disabled account.
    #[arg(long)]
    disabled_user: String,
    /// A locked account.
    #[arg(long)]
    locked_user: String,
    /// The right password of the disabled and the locked account.
    #[arg(long, env = "LOGIN_TIMING_PASSWORD", hide_env_values = true)]
    password: String,
    /// Untimed rounds first (they lock no account: unknown users only).
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed rounds, each one login of every kind.
    #[arg(long, default_value_t = 60)]
    rounds: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    WrongPassword,
    UnknownUser,
    Disabled,
    Locked,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::WrongPassword,
        Kind::UnknownUser,
        Kind::Disabled,
        Kind::Locked,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::WrongPassword => "wrong password",
            Kind::UnknownUser => "unknown user",
            Kind::Disabled => "disabled account",
            Kind::Locked => "locked account",
        }
    }
}

/// What one refused login answered, and how long it took.
struct Answer {
    status: u16,
    body: Vec<u8>,
    took: Duration,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a default TLS provider; the API is plain
    // HTTP on loopback, but a client cannot be built without one.
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let needed = args.rounds.div_ceil(3);
    if args.wrong_password_users.len() < needed {
        bail!(
            "{} rounds need {needed} accounts for wrong passwords (three each), {} given",
            args.rounds,
            args.wrong_password_users.len()
        );
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1)
        .build()?;
    let url = format!("{}/api/auth/login", args.base_url.trim_end_matches('/'));

    for round in 0..args.warmup {
        let name = format!("warmup-{}-{round}", std::process::id());
        send(&client, &url, &name, "Not-the-password-1").await?;
    }

    let mut times: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    let mut answers: BTreeMap<(u16, Vec<u8>), usize> = BTreeMap::new();
    for round in 0..args.rounds {
        for step in 0..Kind::ALL.len() {
            let kind = Kind::ALL[(round + step) % Kind::ALL.len()];
            let unknown = format!("nobody-{}-{round}", std::process::id());
            let (username, password) = match kind {
                Kind::WrongPassword => (
                    args.wrong_password_users[round / 3].as_str(),
                    "Not-the-password-1",
                ),
                Kind::UnknownUser => (unknown.as_str(), args.password.as_str()),
                Kind::Disabled => (args.disabled_user.as_str(), args.password.as_str()),
                Kind::Locked => (args.locked_user.as_str(), args.password.as_str()),
            };
            let answer = send(&client, &url, username, password).await?;
            if answer.status < 400 {
                bail!("a login of the kind '{}' was accepted", kind.name());
            }
            *answers.entry((answer.status, answer.body)).or_default() += 1;
            times.entry(kind).or_default().push(answer.took);
        }
    }

    println!(
        "{} rounds of {} refused logins, one at a time, after {} warm-up",
        args.rounds,
        Kind::ALL.len(),
        args.warmup
    );
    println!("| refusal | n | p10 ms | median ms | p90 ms | mean ms | median / wrong password |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for took in times.values_mut() {
        took.sort_unstable();
    }
    let baseline = times
        .get(&Kind::WrongPassword)
        .map(|t| percentile(t, 50.0))
        .context("no wrong-password login was timed")?;
    for (kind, took) in &times {
        let mean = took.iter().map(Duration::as_secs_f64).sum::<f64>() / took.len() as f64;
        let median = percentile(took, 50.0);
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.3} |",
            kind.name(),
            took.len(),
            percentile(took, 10.0),
            median,
            percentile(took, 90.0),
            mean * 1000.0,
            median / baseline
        );
    }
    match answers.len() {
        1 => println!("answers: every refusal had the same status and body"),
        n => {
            println!("answers: {n} different status and body pairs");
            for ((status, body), count) in &answers {
                println!("  {count} x {status}: {}", String::from_utf8_lossy(body));
            }
        }
    }
    Ok(())
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<Answer> {
    let body = serde_json::json!({ "username": username, "password": password });
    let started = Instant::now();
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .context("the login request failed")?;
    let status = response.status().as_u16();
    let body = response.bytes().await?.to_vec();
    Ok(Answer {
        status,
        body,
        took: started.elapsed(),
    })
}
