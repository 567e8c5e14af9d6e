//! `qbenchctl status`: where every part of the pipeline stands.

use std::process::ExitCode;

use mirror_bus::{Stream, consumer};
use mirror_config::Env;
use mirror_records::Entity;

use crate::context;

pub async fn run(env: &Env) -> anyhow::Result<ExitCode> {
    let pool = context::existing_database(env).await?;
    // The fetcher holds its lock while it runs. (A standby only knocks on
    // the lock now and then, holding no connection, so it is not counted.)
    let connected = mirror_store::connected_services(&pool).await?;
    if mirror_store::fetcher_is_running(&pool).await? {
        println!("fetcher: running");
    } else {
        println!(
            "fetcher: none running (no sync runs until one starts; fetch requests wait in {})",
            Stream::Fetch.name()
        );
    }
    match connected.loaders {
        0 => println!(
            "loaders: none running (published records wait in {} until one starts)",
            Stream::Raw.name()
        ),
        n => println!("loaders: {n} running"),
    }
    println!("api: {} running", connected.apis);
    println!("checkpoints:");
    let checkpoints = mirror_store::checkpoints(&pool).await?;
    if checkpoints.is_empty() {
        println!("  none yet: nothing has been loaded");
    }
    for c in checkpoints {
        let synced = c
            .last_synced_at
            .map_or("never".to_owned(), |t| t.to_rfc3339());
        let status = c.status.unwrap_or_default();
        // While a run loads, how far its leading committed pages reach; a
        // complete checkpoint's page and id belong to whichever run came
        // last (often a short incremental one) and would only mislead.
        // With no page of the run committed, the stored id is an earlier
        // run's and is not shown.
        let progress = match (status.as_str(), c.run_id, c.last_cursor.unwrap_or(0)) {
            ("complete", _, _) | (_, None, _) => String::new(),
            (_, Some(run), pages) if pages <= 0 => format!("; run {run}: no page committed yet"),
            (_, Some(run), pages) => format!(
                "; run {run}: {pages} page{} committed, up to id {}",
                if pages == 1 { "" } else { "s" },
                c.last_id.map_or("-".into(), |v| v.to_string()),
            ),
        };
        println!("  {:<9} {status:<9} synced to {synced}{progress}", c.entity);
    }

    println!("fetch cursors:");
    let mut cursors = 0;
    for entity in Entity::ALL {
        for mode in ["full", "incremental"] {
            if let Some(cursor) = mirror_store::load_cursor(&pool, entity, mode).await? {
                cursors += 1;
                let next = cursor
                    .next_page
                    .map_or("done".into(), |p| format!("next page {p}"));
                let since = cursor.changes_since.map_or("-".into(), |t| t.to_rfc3339());
                // A full cursor's time is when its pass began.
                let since = match mode {
                    "full" => format!("pass began {since}"),
                    _ => format!("changes since {since}"),
                };
                println!("  {entity:<9} {mode:<12} {next}, {since}");
            }
        }
    }
    if cursors == 0 {
        println!("  none yet: no sync has run");
    }

    // The rest is still printed, but a monitor reading the exit code learns
    // that the bus could not be read.
    let mut exit = ExitCode::SUCCESS;
    match context::nats(env).await {
        Ok(client) => {
            let js = async_nats::jetstream::new(client);
            println!("streams (messages, first and last sequence):");
            print_streams(&js).await;
            println!("consumer lag (pending / in flight):");
            print_lag(&js).await;
        }
        Err(e) => {
            // The reason once, on the error stream; the report says where.
            println!("streams and consumers: unavailable (the error below says why)");
            eprintln!("error: cannot read the streams: {e}");
            exit = ExitCode::FAILURE;
        }
    }

    println!("skipped records:");
    let skipped = mirror_store::list_skipped(&pool, None).await?;
    for entity in Entity::ALL {
        let count = skipped
            .iter()
            .filter(|s| s.entity == entity.as_str())
            .count();
        println!("  {entity:<9} {count}");
    }
    Ok(exit)
}

/// What each stream holds, so a replay's start can be chosen.
async fn print_streams(js: &async_nats::jetstream::Context) {
    let time = |ts: i64| {
        chrono::DateTime::from_timestamp(ts, 0).map_or("-".to_owned(), |t| t.to_rfc3339())
    };
    for kind in Stream::ALL {
        let name = kind.name();
        let mut stream = match js.get_stream(name).await {
            Ok(stream) => stream,
            Err(_) => {
                println!("  {name:<16} not created yet");
                continue;
            }
        };
        match stream.info().await {
            Ok(info) => {
                let state = &info.state;
                if state.messages == 0 {
                    println!("  {name:<16} empty");
                    continue;
                }
                println!(
                    "  {name:<16} {}, {} ({}) to {} ({})",
                    state.messages,
                    state.first_sequence,
                    time(state.first_timestamp.unix_timestamp()),
                    state.last_sequence,
                    time(state.last_timestamp.unix_timestamp()),
                );
            }
            Err(e) => println!("  {name:<16} unavailable: {e}"),
        }
    }
}

async fn print_lag(js: &async_nats::jetstream::Context) {
    for entity in Entity::ALL {
        for (kind, name) in [
            (Stream::Raw, consumer::loader(entity)),
            (Stream::Retry, consumer::retry(entity)),
        ] {
            let info = match js.get_stream(kind.name()).await {
                Ok(stream) => stream.consumer_info(&name).await.ok(),
                Err(_) => None,
            };
            match info {
                Some(info) => println!(
                    "  {name:<16} {} / {}",
                    info.num_pending, info.num_ack_pending
                ),
                None => println!("  {name:<16} not created yet"),
            }
        }
    }
}
