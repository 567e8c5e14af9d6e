//! `qbenchctl verify`: compares the mirror with QBench, entity by entity.
//!
//! It reads every page of the source (id ascending, several pages at a
//! time within the client's limits), so against a real tenant it costs one
//! call per 50 records; progress is shown as it goes.

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::{StreamExt, stream};
use mirror_config::Env;
use mirror_records::{Entity, last_updated, record_id};
use qbench_client::{PageQuery, QbenchClient, SortKey, SortOrder};

use crate::context;
use crate::progress::Progress;

/// How the mirror differs from the source for one entity.
#[derive(Debug, Default)]
struct Difference {
    source: usize,
    mirror: usize,
    missing: Vec<i32>,
    extra: Vec<i32>,
    stale: Vec<i32>,
    /// Missing because the loaders set them aside as invalid: listed, and
    /// not a difference, since no load could have stored them.
    set_aside: Vec<i32>,
}

impl Difference {
    fn is_equal(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.stale.is_empty()
    }
}

/// Ids shown per list; the counts are always complete.
const SHOWN: usize = 10;

pub async fn run(env: &Env, entities: &[Entity]) -> anyhow::Result<ExitCode> {
    let pool = context::existing_database(env).await?;
    let (client, settings) = context::qbench(env)?;
    let chosen: Vec<Entity> = Entity::ALL
        .into_iter()
        .filter(|e| entities.is_empty() || entities.contains(e))
        .collect();

    let mut equal = true;
    let mut extra = false;
    let mut behind = false;
    for entity in chosen {
        let source =
            read_source(&client, entity, settings.page_size, settings.max_in_flight).await?;
        let mirror = mirror_store::mirror_records(&pool, entity).await?;
        let mirror: BTreeMap<i32, Option<i64>> = mirror
            .into_iter()
            .map(|r| (r.id, r.source_version))
            .collect();
        let mut difference = compare(&source, &mirror);
        except_set_aside(&mut difference, &invalid_ids(&pool, entity).await?);
        print_difference(entity, &difference);
        equal &= difference.is_equal();
        extra |= !difference.extra.is_empty();
        behind |= !difference.missing.is_empty() || !difference.stale.is_empty();
    }
    println!(
        "{}",
        if equal {
            "mirror equals source"
        } else {
            "mirror differs from source"
        }
    );
    if behind {
        println!(
            "a lab at work changes records between a sync and this check: records new or \
             changed since come with the next sync (`qbenchctl sync --wait`); records missing \
             for another reason with `qbenchctl fetch <entity> <id>...` or a full sync \
             (`qbenchctl sync --full --wait`)"
        );
    }
    if extra {
        println!(
            "QBench may no longer have the extra records; `qbenchctl fetch <entity> <id>...` \
             marks deleted those it does not know"
        );
    }
    Ok(if equal {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Every record of `entity` in the source: id and `last_updated`.
async fn read_source(
    client: &QbenchClient,
    entity: Entity,
    page_size: u32,
    window: usize,
) -> anyhow::Result<BTreeMap<i32, Option<i64>>> {
    let query = |p| PageQuery::new(p, page_size).sorted(SortKey::Id, SortOrder::Asc);
    let first = client.list_page(entity, &query(1)).await?;
    let total = u32::try_from(first.total_pages).unwrap_or(u32::MAX);
    let mut progress = Progress::new(&format!("reading {entity}"));
    let mut records = BTreeMap::new();
    add(&mut records, &first.records)?;

    let mut pages = stream::iter(2..=total)
        .map(|p| {
            let query = query(p);
            async move { (p, client.list_page(entity, &query).await) }
        })
        .buffered(window.max(1));
    while let Some((p, page)) = pages.next().await {
        let page = page.map_err(|e| anyhow::anyhow!("{entity} page {p}: {e}"))?;
        add(&mut records, &page.records)?;
        progress.update(u64::from(p), u64::from(total), "");
    }
    progress.finish();
    Ok(records)
}

fn add(records: &mut BTreeMap<i32, Option<i64>>, page: &[serde_json::Value]) -> anyhow::Result<()> {
    for raw in page {
        records.insert(record_id(raw)?, last_updated(raw).ok().flatten());
    }
    Ok(())
}

fn compare(source: &BTreeMap<i32, Option<i64>>, mirror: &BTreeMap<i32, Option<i64>>) -> Difference {
    let mut difference = Difference {
        source: source.len(),
        mirror: mirror.len(),
        ..Default::default()
    };
    for (id, version) in source {
        match mirror.get(id) {
            None => difference.missing.push(*id),
            Some(stored) if version.is_some() && stored < version => difference.stale.push(*id),
            Some(_) => {}
        }
    }
    difference.extra = mirror
        .keys()
        .filter(|id| !source.contains_key(id))
        .copied()
        .collect();
    difference
}

/// Ids of `entity` the loaders set aside as unmappable and still list.
async fn invalid_ids(pool: &sqlx::PgPool, entity: Entity) -> anyhow::Result<Vec<i32>> {
    let skipped = mirror_store::list_skipped(pool, Some(entity)).await?;
    Ok(skipped
        .into_iter()
        .filter(|r| r.reason == "invalid")
        .map(|r| r.record_id)
        .collect())
}

/// Moves missing ids that were set aside as invalid to their own list.
fn except_set_aside(difference: &mut Difference, invalid: &[i32]) {
    let (set_aside, missing) = difference
        .missing
        .iter()
        .partition(|id| invalid.contains(id));
    difference.set_aside = set_aside;
    difference.missing = missing;
}

fn print_difference(entity: Entity, d: &Difference) {
    let verdict = if d.is_equal() { "equal" } else { "DIFFERENT" };
    println!(
        "{entity}: {verdict} (source {}, mirror {})",
        d.source, d.mirror
    );
    for (label, ids) in [
        ("missing", &d.missing),
        ("extra", &d.extra),
        ("stale", &d.stale),
        ("set aside as invalid", &d.set_aside),
    ] {
        if !ids.is_empty() {
            let shown: Vec<String> = ids.iter().take(SHOWN).map(i32::to_string).collect();
            let more = if ids.len() > SHOWN {
                format!(" and {} more", ids.len() - SHOWN)
            } else {
                String::new()
            };
            println!("  {label} {}: {}{more}", ids.len(), shown.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_missing_extra_and_stale() {
        let source = BTreeMap::from([(1, Some(10)), (2, Some(20)), (3, None)]);
        let mirror = BTreeMap::from([(1, Some(10)), (2, Some(15)), (4, Some(1))]);

        let d = compare(&source, &mirror);

        assert_eq!((d.missing, d.extra, d.stale), (vec![3], vec![4], vec![2]));
    }

    #[test]
    fn records_set_aside_as_invalid_are_listed_but_not_a_difference() {
        let source = BTreeMap::from([(1, Some(10)), (2, Some(20)), (3, None)]);
        let mirror = BTreeMap::from([(1, Some(10))]);
        let mut d = compare(&source, &mirror);

        except_set_aside(&mut d, &[3, 7]);

        assert_eq!((d.missing.clone(), d.set_aside.clone()), (vec![2], vec![3]));
        assert!(!d.is_equal());
    }
}
