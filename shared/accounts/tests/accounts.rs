//! Accounts and the banlist against a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mirror_accounts::{
    AccountError, Accounts, BanChange, Hasher, LoginOutcome, LoginRefusal, MAX_FAILED_ATTEMPTS,
    Password, PolicyRule, Username, ban, list_bans, unban,
};
use mirror_records::Entity;
use mirror_testkit::{TestDatabase, step};
use secrecy::SecretString;

const PASSWORD: &str = "Lab0ratory-pass";

struct Fixture {
    db: TestDatabase,
    accounts: Accounts,
}

impl Fixture {
    async fn new() -> Self {
        Fixture::with_cost(4).await
    }

    async fn with_cost(cost: u32) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = step("create database", TestDatabase::create())
            .await
            .unwrap();
        step(
            "migrate",
            mirror_store::migrate(&db.pool, chrono_tz::Tz::UTC),
        )
        .await
        .unwrap();
        let accounts = Accounts::with_hasher(db.pool.clone(), Hasher::new(cost));
        Fixture { db, accounts }
    }

    async fn create(&self, username: &str, password: &str) {
        let username = Username::parse(username).unwrap();
        let password = Password::parse(SecretString::from(password)).unwrap();
        step(
            "create user",
            self.accounts.create_user(&username, &password),
        )
        .await
        .unwrap();
    }

    async fn login(&self, username: &str, password: &str) -> LoginOutcome {
        let password = SecretString::from(password);
        step("login", self.accounts.verify_login(username, &password))
            .await
            .unwrap()
    }

    async fn failed_attempts_and_lock(&self, username: &str) -> (i32, bool) {
        sqlx::query_as(
            "SELECT failed_attempts, coalesce(locked_until > now() + interval '23 hours', false) \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_one(&self.db.pool)
        .await
        .unwrap()
    }

    async fn finish(self) {
        self.db.drop_database().await.unwrap();
    }
}

fn accepted(outcome: &LoginOutcome) -> bool {
    matches!(outcome, LoginOutcome::Accepted(_))
}

#[tokio::test]
async fn ten_concurrent_wrong_passwords_lock_the_account_exactly_once() {
    let f = Fixture::new().await;
    f.create("alice", PASSWORD).await;

    let attempts = (0..10).map(|_| f.login("alice", "Wrong-pass-123"));
    let outcomes = step("ten logins", futures::future::join_all(attempts)).await;

    assert!(outcomes.iter().all(|o| !accepted(o)), "{outcomes:?}");
    assert_eq!(
        f.failed_attempts_and_lock("alice").await,
        (MAX_FAILED_ATTEMPTS, true)
    );
    assert_eq!(
        f.login("alice", PASSWORD).await,
        LoginOutcome::Refused(LoginRefusal::Locked)
    );
    f.finish().await;
}

#[tokio::test]
async fn the_third_failure_locks_and_an_unlocking_reset_lets_the_user_in() {
    let f = Fixture::new().await;
    f.create("bob", PASSWORD).await;

    for _ in 0..2 {
        f.login("bob", "Wrong-pass-123").await;
    }
    assert_eq!(f.failed_attempts_and_lock("bob").await, (2, false));
    assert!(
        accepted(&f.login("bob", PASSWORD).await),
        "two failures do not lock"
    );
    assert_eq!(f.failed_attempts_and_lock("bob").await, (0, false));

    for _ in 0..3 {
        f.login("bob", "Wrong-pass-123").await;
    }
    assert_eq!(f.failed_attempts_and_lock("bob").await, (3, true));
    let new_password = Password::parse(SecretString::from("An0ther-pass")).unwrap();
    let bob = Username::parse("bob").unwrap();
    f.accounts
        .reset_password(&bob, &new_password, true)
        .await
        .unwrap();

    assert!(accepted(&f.login("bob", "An0ther-pass").await));
    assert!(!accepted(&f.login("bob", PASSWORD).await), "old password");
    f.finish().await;
}

#[tokio::test]
async fn an_expired_lock_starts_a_new_count() {
    let f = Fixture::new().await;
    f.create("carol", PASSWORD).await;
    sqlx::query(
        "UPDATE users SET failed_attempts = 3, locked_until = now() - interval '1 minute' \
         WHERE username = 'carol'",
    )
    .execute(&f.db.pool)
    .await
    .unwrap();

    f.login("carol", "Wrong-pass-123").await;

    assert_eq!(f.failed_attempts_and_lock("carol").await, (1, false));
    f.finish().await;
}

#[tokio::test]
async fn case_and_space_variants_of_a_username_log_in_and_cannot_be_created_again() {
    let f = Fixture::new().await;
    f.create("  Dana.Lab ", PASSWORD).await;

    for variant in ["Dana.Lab", "dana.lab", "DANA.LAB", "  dAnA.lAb\t"] {
        let outcome = f.login(variant, PASSWORD).await;
        match outcome {
            LoginOutcome::Accepted(user) => assert_eq!(user.username, "Dana.Lab"),
            other => panic!("{variant:?}: {other:?}"),
        }
    }
    for variant in ["dana.lab", " DANA.LAB "] {
        let username = Username::parse(variant).unwrap();
        let password = Password::parse(SecretString::from(PASSWORD)).unwrap();
        let err = f
            .accounts
            .create_user(&username, &password)
            .await
            .unwrap_err();
        assert!(matches!(err, AccountError::UsernameTaken(_)), "{err:?}");
    }
    assert_eq!(f.accounts.list_users().await.unwrap().len(), 1);
    f.finish().await;
}

#[tokio::test]
async fn disabled_users_are_refused_until_enabled() {
    let f = Fixture::new().await;
    f.create("erin", PASSWORD).await;
    let erin = Username::parse("ERIN").unwrap();

    let user = f.accounts.set_active(&erin, false).await.unwrap();
    assert!(!user.is_active);
    assert_eq!(
        f.login("erin", PASSWORD).await,
        LoginOutcome::Refused(LoginRefusal::Disabled)
    );

    f.accounts.set_active(&erin, true).await.unwrap();
    assert!(accepted(&f.login("erin", PASSWORD).await));
    f.finish().await;
}

#[tokio::test]
async fn unknown_users_are_refused_and_managing_them_says_so() {
    let f = Fixture::new().await;
    assert_eq!(
        f.login("nobody", PASSWORD).await,
        LoginOutcome::Refused(LoginRefusal::UnknownUser)
    );
    let nobody = Username::parse("nobody").unwrap();
    let err = f.accounts.set_active(&nobody, false).await.unwrap_err();
    assert_eq!(err.to_string(), "no user is named \"nobody\"");
    f.finish().await;
}

#[tokio::test]
async fn a_reset_records_when_the_password_changed() {
    let f = Fixture::new().await;
    f.create("fay", PASSWORD).await;
    let fay = Username::parse("fay").unwrap();
    let before = f.accounts.list_users().await.unwrap()[0].password_changed_at;

    let password = Password::parse(SecretString::from("Fresh-pass-42")).unwrap();
    let after = f
        .accounts
        .reset_password(&fay, &password, false)
        .await
        .unwrap();

    assert!(after.password_changed_at > before, "{before:?} {after:?}");
    f.finish().await;
}

/// Case C-bcrypt-72.
#[tokio::test]
async fn bcrypt_never_lets_in_an_extension_of_a_72_byte_prefix() {
    let f = Fixture::new().await;

    // 80 bytes: refused by the policy, with the reason.
    let long = format!("Aa1{}", "x".repeat(77));
    assert_eq!(long.len(), 80);
    let err = Password::parse(SecretString::from(long.clone())).unwrap_err();
    assert_eq!(err.broken, vec![PolicyRule::TooLong]);
    assert!(err.to_string().contains("at most 72 bytes"), "{err}");

    // Exactly 72 bytes of multibyte text works; anything appended does not.
    let exactly_72 = format!("Aa1{}", "漢".repeat(23));
    f.create("gus", &exactly_72).await;
    assert!(accepted(&f.login("gus", &exactly_72).await));
    let extended = format!("{exactly_72}anything");
    assert!(!accepted(&f.login("gus", &extended).await));

    // An earlier tool's hash of an 80-byte password: the first 72 bytes
    // plus anything else are refused.
    let old_hash = bcrypt::hash(&long, 4).unwrap();
    insert_legacy_user(&f, "hal", &old_hash).await;
    let prefix_plus = format!("{}ZZZZZZZZ", &long[..72]);
    assert!(!accepted(&f.login("hal", &prefix_plus).await));
    assert!(!accepted(&f.login("hal", &long).await));

    // An earlier tool's `$2a$` hash of an ordinary password still verifies.
    let parts = bcrypt::hash_with_result("legacy-Passw0rd", 4).unwrap();
    let legacy = parts.format_for_version(bcrypt::Version::TwoA);
    insert_legacy_user(&f, "ida", &legacy).await;
    assert!(accepted(&f.login("ida", "legacy-Passw0rd").await));
    f.finish().await;
}

async fn insert_legacy_user(f: &Fixture, username: &str, hash: &str) {
    sqlx::query("INSERT INTO users (username, password_hash) VALUES ($1, $2)")
        .bind(username)
        .bind(hash)
        .execute(&f.db.pool)
        .await
        .unwrap();
}

/// The median time of `runs` logins.
async fn median_login_time(f: &Fixture, username: &str, runs: usize) -> Duration {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f.login(username, "Wrong-pass-123").await;
        times.push(started.elapsed());
    }
    times.sort();
    times[runs / 2]
}

#[tokio::test]
async fn an_unknown_user_costs_a_bcrypt_verification_too() {
    // A cost high enough that bcrypt dominates the database round trips.
    let f = Fixture::with_cost(10).await;
    f.create("jan", PASSWORD).await;
    // Keep jan below the lock so every run is a plain wrong password.
    sqlx::query("UPDATE users SET failed_attempts = -100 WHERE username = 'jan'")
        .execute(&f.db.pool)
        .await
        .unwrap();
    f.accounts.hasher().warm_up().await.unwrap();

    let known = median_login_time(&f, "jan", 5).await;
    let unknown = median_login_time(&f, "nobody", 5).await;

    // Generous bounds: only a missing bcrypt run (10x or more) fails this.
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.4..2.5).contains(&ratio),
        "known {known:?}, unknown {unknown:?}"
    );
    f.finish().await;
}

#[tokio::test]
async fn bans_are_added_once_listed_and_removed() {
    let f = Fixture::new().await;
    let pool = &f.db.pool;

    assert_eq!(
        ban(pool, Entity::Customer, 7, Some("test account"))
            .await
            .unwrap(),
        BanChange::Added
    );
    assert_eq!(
        ban(pool, Entity::Customer, 7, None).await.unwrap(),
        BanChange::AlreadyBanned
    );
    ban(pool, Entity::Sample, 3, None).await.unwrap();

    let bans = list_bans(pool, None).await.unwrap();
    let summary: Vec<_> = bans
        .iter()
        .map(|b| (b.entity, b.entity_id, b.reason.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Entity::Customer, 7, Some("test account")),
            (Entity::Sample, 3, None)
        ]
    );
    assert_eq!(
        list_bans(pool, Some(Entity::Sample)).await.unwrap().len(),
        1
    );

    assert!(unban(pool, Entity::Customer, 7).await.unwrap());
    assert!(!unban(pool, Entity::Customer, 7).await.unwrap());
    f.finish().await;
}

#[tokio::test]
async fn a_user_is_required_by_its_name_in_any_case() {
    let f = Fixture::new().await;
    f.create("Alice", "Lab0ratory1x").await;
    let name = |text: &str| Username::parse(text).unwrap();

    let found = step("alice", f.accounts.require_user(&name(" ALICE "))).await;
    let missing = step("ghost", f.accounts.require_user(&name("ghost"))).await;

    assert!(found.is_ok(), "{found:?}");
    assert_eq!(
        missing.unwrap_err().to_string(),
        "no user is named \"ghost\""
    );
    f.finish().await;
}
