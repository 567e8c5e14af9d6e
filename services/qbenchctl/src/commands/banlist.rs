//! `qbenchctl banlist`: records hidden from every read of the API.

use std::process::ExitCode;

use mirror_accounts::{BanChange, ban, list_bans, unban};
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

/// Bans a record; its children are hidden with it.
pub async fn add(
    env: &Env,
    entity: Entity,
    id: i32,
    reason: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;

    let change = ban(&pool, entity, id, reason).await?;

    match change {
        BanChange::Added => println!("banned {entity} {id}{}", hidden_children(entity)),
        BanChange::AlreadyBanned => println!("{entity} {id} was already banned"),
    }
    // Kept either way, but a mistyped id is worth a word.
    let mut conn = pool.acquire().await?;
    if mirror_store::existing_ids(&mut conn, entity, &[id])
        .await?
        .is_empty()
    {
        println!("note: {entity} {id} is not in the mirror; the ban hides it if it arrives");
    }
    Ok(ExitCode::SUCCESS)
}

/// Lifts a ban; exits non-zero when there was none.
pub async fn remove(env: &Env, entity: Entity, id: i32) -> anyhow::Result<ExitCode> {
    let pool = context::database(env).await?;

    if unban(&pool, entity, id).await? {
        println!("unbanned {entity} {id}");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{entity} {id} is not banned");
        Ok(ExitCode::FAILURE)
    }
}

/// Prints every ban, or those of one entity.
pub async fn list(env: &Env, entity: Option<Entity>) -> anyhow::Result<ExitCode> {
    let pool = context::existing_database(env).await?;
    let bans = list_bans(&pool, entity).await?;

    if bans.is_empty() {
        println!("no records banned");
    }
    for b in &bans {
        let reason = b.reason.as_deref().unwrap_or("-");
        println!(
            "{} {} since={} reason={reason}",
            b.entity,
            b.entity_id,
            b.created_at.to_rfc3339()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What else disappears with a banned record.
fn hidden_children(entity: Entity) -> &'static str {
    match entity {
        Entity::Customer => " (and its orders, samples and tests)",
        Entity::Order => " (and its samples and tests)",
        Entity::Sample => " (and its tests)",
        Entity::Batch | Entity::Test => "",
    }
}
