//! `qbenchctl fetch <entity> <id>…`: queue single-record fetches and wait
//! for the records to reach the mirror.
//!
//! Each request names a reply subject; the fetcher answers there once it
//! has asked QBench, so an id QBench does not know is reported at once
//! rather than waited on until the timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use mirror_bus::{FetchReply, FetchedRecord, Stream, header};
use mirror_config::Env;
use mirror_records::Entity;
use mirror_store::Landing;
use tokio::time::{Instant, sleep_until};

use crate::context;

/// How long to wait for the fetcher's first answer before saying so.
const QUIET_WARNING: Duration = Duration::from_secs(10);

/// How long to wait for a starting fetcher to create its streams.
const STREAM_WAIT: Duration = Duration::from_secs(10);

/// Where one requested record stands. A record counts as loaded only once
/// the fetcher has read it from QBench and the loaders have written that
/// copy: one the mirror already held is not reported fresh while its fetch
/// fails, nor while the new copy waits for a parent or was set aside.
/// What the mirror holds of a record once the fetch has settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mirror {
    Absent,
    /// A row marked deleted.
    Deleted,
    Live,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Queued,
    /// Fetched, with the ancestors the mirror lacked, and published at this
    /// raw sequence (unknown from fetchers of an earlier release).
    Published(Vec<FetchedRecord>, Option<u64>),
    /// Failed at least once; the fetcher tries again.
    Failing(String),
    /// QBench has no such record; `deleted`: the mirror's live copy was
    /// marked deleted.
    Unknown {
        deleted: bool,
    },
    Loaded(Vec<FetchedRecord>),
    /// The loaders set the fetched copy aside.
    SetAside {
        reason: String,
        error: String,
    },
}

impl State {
    fn settled(&self) -> bool {
        matches!(
            self,
            State::Unknown { .. } | State::Loaded(_) | State::SetAside { .. }
        )
    }

    /// Whether the command did what was asked: the record is loaded, or
    /// QBench no longer has it and neither has the mirror (any more).
    fn succeeded(&self, mirror: Mirror) -> bool {
        match self {
            State::Loaded(_) | State::Unknown { deleted: true } => true,
            State::Unknown { deleted: false } => mirror == Mirror::Deleted,
            _ => false,
        }
    }

    fn describe(&self, mirror: Mirror) -> String {
        let in_mirror = mirror != Mirror::Absent;
        // What the mirror holds while the fetched copy is not (yet) in it.
        let held = if in_mirror {
            "the mirror keeps the copy it had"
        } else {
            "not in the mirror"
        };
        match self {
            State::Loaded(ancestors) if ancestors.is_empty() => "loaded".to_owned(),
            State::Loaded(ancestors) => {
                format!("loaded, with {} the mirror lacked", list(ancestors))
            }
            State::Unknown { deleted: false } => match mirror {
                Mirror::Absent => "not in QBench".to_owned(),
                Mirror::Deleted => "not in QBench; the mirror holds it as deleted".to_owned(),
                Mirror::Live => "QBench answered that it does not know it, but did not \
                                 confirm it with its own error; the mirror keeps its copy \
                                 (see the fetcher's log)"
                    .to_owned(),
            },
            State::Unknown { deleted: true } => {
                "not in QBench any more; the deletion of the mirror's copy is sent to the loaders"
                    .to_owned()
            }
            State::SetAside { reason, error } => {
                format!("set aside by the loaders ({reason}): {error}")
            }
            State::Queued => format!(
                "not fetched, {held}; the request stays queued until a qbench-fetcher \
                 takes it"
            ),
            State::Published(..) => format!(
                "fetched, not loaded yet; {held} (a copy waiting for its parent shows in \
                 `qbenchctl skipped list` once its retries are spent)"
            ),
            State::Failing(error) => format!("not fetched, {held} (last fetch failed: {error})"),
        }
    }
}

pub async fn run(env: &Env, entity: Entity, ids: &[i64], timeout: u64) -> anyhow::Result<ExitCode> {
    let mut ids: Vec<i32> = ids
        .iter()
        .map(|id| {
            i32::try_from(*id).map_err(|_| {
                anyhow::anyhow!(
                    "{entity} id {id} is out of range (QBench ids are below 2147483648)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    // An id given twice is asked for once.
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let pool = context::database(env).await?;
    let client = context::nats(env).await?;
    let js = async_nats::jetstream::new(client.clone());
    // The fetcher makes the streams (with its settings) when it starts; a
    // request queued before any fetcher ran would only wait. One starting
    // beside this command gets a few seconds to make them.
    let give_up = Instant::now() + STREAM_WAIT;
    while js.get_stream(Stream::Fetch.name()).await.is_err() {
        if Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        anyhow::bail!(
            "stream {} does not exist on {}: no qbench-fetcher has run against this NATS \
             server; start one first",
            Stream::Fetch.name(),
            mirror_config::NatsSettings::from_env(env)?.url
        );
    }

    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await?;
    let requests = ids
        .iter()
        .map(|id| {
            // Not de-duplicated with the loaders' requests: the operator asked.
            let msg_id = format!("operator-fetch:{entity}:{id}:{}", uuid::Uuid::new_v4());
            let mut request = mirror_bus::fetch_request(entity, i64::from(*id), &msg_id);
            request.headers.insert(header::REPLY_TO, inbox.as_str());
            request
        })
        .collect();
    mirror_bus::publish_all(&js, requests).await?;
    println!("queued {} {entity} fetch request(s)", ids.len());

    let mut states: BTreeMap<i32, State> = ids.iter().map(|id| (*id, State::Queued)).collect();
    let mut present = BTreeSet::new();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(timeout);
    let mut answered = false;
    let mut next_look = Instant::now();
    loop {
        if Instant::now() >= next_look {
            let waiting: Vec<i32> = states
                .iter()
                .filter(|(_, s)| !s.settled())
                .map(|(id, _)| *id)
                .collect();
            let mut conn = pool.acquire().await?;
            present.extend(mirror_store::existing_ids(&mut conn, entity, &waiting).await?);
            look_again(&mut conn, entity, &mut states, &present).await?;
            next_look = Instant::now() + Duration::from_millis(500);
        }
        if states.values().all(State::settled) || Instant::now() >= deadline {
            break;
        }
        if !answered && started.elapsed() >= QUIET_WARNING {
            answered = true;
            // As `sync` does: with no fetcher at all, waiting out the
            // timeout would tell nothing more.
            if !mirror_store::fetcher_is_running(&pool).await? {
                eprintln!("no qbench-fetcher is running to take the requests");
                break;
            }
            eprintln!(
                "no fetcher has answered after {} s; still waiting",
                QUIET_WARNING.as_secs()
            );
        }
        tokio::select! {
            message = replies.next() => {
                let Some(message) = message else { break };
                answered = true;
                match serde_json::from_slice::<FetchReply>(&message.payload) {
                    Ok(reply) => {
                        note(&mut states, entity, reply);
                        // Look again now: the loaders may already have it.
                        next_look = Instant::now();
                    }
                    Err(e) => tracing::debug!(error = %e, "Unreadable fetch reply."),
                }
            }
            () = sleep_until(next_look.min(deadline)) => {}
        }
    }

    let asked: Vec<i32> = states.keys().copied().collect();
    let live = mirror_store::live_ids(&pool, entity, &asked).await?;
    let mut succeeded = true;
    for (id, state) in &states {
        let mirror = if !present.contains(id) {
            Mirror::Absent
        } else if live.contains(id) {
            Mirror::Live
        } else {
            Mirror::Deleted
        };
        println!("{entity} {id}: {}", state.describe(mirror));
        succeeded &= state.succeeded(mirror);
    }
    Ok(if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Moves fetched records on: a copy whose raw sequence is known is loaded
/// once the mirror holds it (or a later one), or set aside; without one
/// (an earlier fetcher) the record's presence is all there is to go on.
async fn look_again(
    conn: &mut sqlx::PgConnection,
    entity: Entity,
    states: &mut BTreeMap<i32, State>,
    present: &BTreeSet<i32>,
) -> anyhow::Result<()> {
    let published: Vec<(i32, i64)> = states
        .iter()
        .filter_map(|(id, state)| match state {
            State::Published(_, Some(sequence)) => Some((*id, i64::try_from(*sequence).ok()?)),
            _ => None,
        })
        .collect();
    let landings: BTreeMap<i32, Landing> = if published.is_empty() {
        BTreeMap::new()
    } else {
        mirror_store::landings(conn, entity, &published)
            .await?
            .into_iter()
            .collect()
    };
    for (id, state) in states.iter_mut() {
        let State::Published(ancestors, sequence) = state else {
            continue;
        };
        let next = match (sequence, landings.get(id)) {
            (Some(_), Some(Landing::Loaded)) => State::Loaded(std::mem::take(ancestors)),
            (Some(_), Some(Landing::SetAside { reason, error })) => State::SetAside {
                reason: reason.clone(),
                error: error.clone(),
            },
            (None, _) if present.contains(id) => State::Loaded(std::mem::take(ancestors)),
            _ => continue,
        };
        *state = next;
    }
    Ok(())
}

fn note(states: &mut BTreeMap<i32, State>, entity: Entity, reply: FetchReply) {
    let (id, next) = match reply {
        FetchReply::Published {
            id,
            ancestors,
            sequence,
        } => (id, State::Published(ancestors, sequence)),
        FetchReply::Unknown { id, deleted } => (id, State::Unknown { deleted }),
        FetchReply::Failed { id, error } => {
            eprintln!("{entity} {id}: fetch failed, the fetcher tries again: {error}");
            (id, State::Failing(error))
        }
    };
    let Ok(id) = i32::try_from(id) else { return };
    if let Some(state) = states.get_mut(&id)
        && !state.settled()
    {
        *state = next;
    }
}

/// "sample 7", "sample 7 and order 3", "sample 7, order 3 and customer 1".
fn list(records: &[FetchedRecord]) -> String {
    let names: Vec<String> = records.iter().map(ToString::to_string).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
