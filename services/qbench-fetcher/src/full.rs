//! Full sync of one entity: every page, id ascending, resumable.
//!
//! Pages are computed by QBench per request, so a record deleted while we
//! page shifts every later page one place to the left and one record would
//! be missed. Two signs of that make the read step back and read again
//! (records already sent are de-duplicated by JetStream, or found unchanged
//! by the loader): the total shrinking between pages, and, where the entity
//! has QBench's updates feed, a record behind the reader listed as deleted.
//! The feed is asked every [`LOOK_EVERY`] pages and at the end of the pass,
//! so deletions offset by records created meanwhile, which leave the total
//! as it was, are seen too. Paging ends on `total_pages` or an empty page,
//! never on a short page or on `total_count`, which QBench may leave null.

use futures::{StreamExt, stream};
use mirror_records::Entity;
use mirror_store::{FetchCursor, RunStatus};
use qbench_client::{Page, PageQuery, QbenchClient, SortKey, SortOrder};
use tracing::Span;
use uuid::Uuid;

use crate::deletions::DeletionFeed;
use crate::engine::{
    EntityFailure, EntityReport, Syncer, publish_page, read_page, tally, whole_page,
};

const MODE: &str = "full";

/// Reads every page of `entity` into the run, resuming where an unfinished
/// full sync of it stopped. `now` is QBench's time at the run's start.
pub async fn sync_entity(
    syncer: &Syncer,
    run_id: Uuid,
    entity: Entity,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<EntityReport, EntityFailure> {
    let cursor = mirror_store::load_cursor(&syncer.pool, entity, MODE)
        .await?
        .unwrap_or_default();
    let start = cursor.next_page.filter(|p| *p > 1).map_or(1, |p| p as u32);
    if start > 1 {
        // Every run that left this pass unfinished hands over, not only
        // the one the cursor names: a run that failed before publishing a
        // page never moved the cursor, and would hold the checkpoint on.
        for previous in mirror_store::unfinished_full_runs(&syncer.pool, entity).await? {
            hand_over(syncer, previous, entity, run_id).await?;
        }
        tracing::info!(%entity, page = start, "Resuming an unfinished full sync.");
    }
    let mode = if start > 1 { "resume" } else { MODE };
    mirror_store::start_run_entity(&syncer.pool, run_id, entity, mode).await?;

    // QBench's time as its latest answer stated it, at the start of this
    // entity's pass (the run's start for the first entity). A resumed pass
    // began when its first run did: what changed since then on the pages
    // already read is asked for as if this run had read them.
    let started = syncer.client.server_time().unwrap_or(now);
    let began = match cursor.changes_since {
        Some(began) if start > 1 => began,
        _ => started,
    };
    let mut state = Paging {
        syncer,
        run_id,
        entity,
        began,
        ledger_page: 0,
        report: EntityReport::default(),
        read_up_to: 0,
        watch: DeletionFeed::watch(syncer, entity, began).map(|feed| DeletionWatch {
            feed,
            // A deletion since the pass began may slide a record to the
            // end of the page before the first one this run reads.
            page: start.saturating_sub(1).max(1),
            pages: 0,
        }),
    };
    let result = state.read_from(start).await;
    let (status, message) = match &result {
        Ok(()) => (RunStatus::Published, None),
        Err(e) => (RunStatus::Partial, Some(e.to_string())),
    };
    let pages = state.ledger_page;
    mirror_store::finish_run_entity(
        &syncer.pool,
        run_id,
        entity,
        status,
        pages,
        message.as_deref(),
    )
    .await?;
    result?;
    start_change_tracking(syncer, entity, began).await?;
    Ok(state.report)
}

/// After the first full read, incremental runs ask for changes since it
/// began; a later full read leaves an existing position alone.
async fn start_change_tracking(
    syncer: &Syncer,
    entity: Entity,
    began: chrono::DateTime<chrono::Utc>,
) -> Result<(), EntityFailure> {
    let pool = &syncer.pool;
    if mirror_store::load_cursor(pool, entity, "incremental")
        .await?
        .is_none()
    {
        let cursor = FetchCursor {
            changes_since: Some(began),
            ..FetchCursor::default()
        };
        mirror_store::save_cursor(pool, entity, "incremental", &cursor).await?;
    }
    Ok(())
}

/// An unfinished run's published pages are final: it is marked published
/// with the pages it has, and this run reads the rest.
async fn hand_over(
    syncer: &Syncer,
    previous: Uuid,
    entity: Entity,
    run_id: Uuid,
) -> Result<(), EntityFailure> {
    let pages = mirror_store::pages_recorded(&syncer.pool, previous, entity).await?;
    let note = format!("continued by run {run_id}");
    mirror_store::finish_run_entity(
        &syncer.pool,
        previous,
        entity,
        RunStatus::Published,
        pages,
        Some(&note),
    )
    .await?;
    Ok(())
}

struct Paging<'a> {
    syncer: &'a Syncer,
    run_id: Uuid,
    entity: Entity,
    /// QBench's time when the pass began, in its first run.
    began: chrono::DateTime<chrono::Utc>,
    ledger_page: i32,
    report: EntityReport,
    /// The highest id published by this pass.
    read_up_to: i64,
    /// `None` where the entity or the tenant has no updates feed.
    watch: Option<DeletionWatch>,
}

/// Where the pass stood at its last look at the updates feed.
struct DeletionWatch {
    feed: DeletionFeed,
    /// The last page read before the last look: a deletion after that look
    /// slides a record to the end of this page or a later one.
    page: u32,
    /// Pages read since the last look.
    pages: u32,
}

/// What to do after a page.
enum Next {
    Continue,
    Done,
    /// Re-read from this page: the total shrank under us.
    RereadFrom(u32),
}

impl Paging<'_> {
    async fn read_from(&mut self, start: u32) -> Result<(), EntityFailure> {
        let mut baseline = None;
        let mut next = start;
        loop {
            // The first page of a pass is read alone: it says how many follow.
            let page = self.fetch(next).await?;
            let total = u32::try_from(page.0.total_pages).unwrap_or(u32::MAX);
            match self.take(next, page, &mut baseline).await? {
                Next::Done => return Ok(()),
                Next::RereadFrom(from) => {
                    next = from;
                    continue;
                }
                Next::Continue => {}
            }

            // The rest are fetched several at a time (the client keeps them
            // within QBench's limits) and published strictly in order. Each
            // read is a task of its own, so reads go on while a page is
            // being published: futures that are only polled between pages
            // would miss the client's turns under QBench's rate limit.
            let window = self.syncer.settings.qbench.max_in_flight.max(1);
            let (client, entity) = (self.syncer.client.clone(), self.entity);
            let size = self.syncer.settings.qbench.page_size;
            let pages = stream::iter(next + 1..=total)
                .map(|p| {
                    let client = client.clone();
                    ReadTask(tokio::spawn(async move {
                        (p, fetch_page(&client, entity, size, p).await)
                    }))
                })
                .buffered(window);
            futures::pin_mut!(pages);
            let mut reread = None;
            while let Some((p, page)) = pages.next().await {
                match self.take(p, page?, &mut baseline).await? {
                    Next::Continue => next = p,
                    Next::Done => return Ok(()),
                    Next::RereadFrom(from) => {
                        reread = Some(from);
                        break;
                    }
                }
            }
            next = reread.unwrap_or(next + 1);
        }
    }

    async fn fetch(&self, page_num: u32) -> Result<(Page, Span), EntityFailure> {
        let size = self.syncer.settings.qbench.page_size;
        fetch_page(&self.syncer.client, self.entity, size, page_num).await
    }

    /// Checks one page for drift, publishes it and moves the cursor past it.
    async fn take(
        &mut self,
        page_num: u32,
        (page, trace): (Page, Span),
        baseline: &mut Option<u64>,
    ) -> Result<Next, EntityFailure> {
        // The first page with a total sets the baseline; a later, smaller
        // total means records before the reader vanished.
        if let Some(now) = page.total_count {
            let before = baseline.replace(now).unwrap_or(now);
            if now < before && page_num > 1 {
                let size = u64::from(self.syncer.settings.qbench.page_size);
                let back = (before - now).div_ceil(size) as u32;
                let from = page_num.saturating_sub(back).max(1);
                tracing::info!(entity = %self.entity, page = page_num, from, "Records vanished while paging; re-reading.");
                return Ok(Next::RereadFrom(from));
            }
        }
        if page.records.is_empty() {
            self.save_cursor(None).await?;
            return self.finish(page_num).await;
        }
        whole_page(&page, page_num, self.syncer.settings.qbench.page_size)?;

        let published = publish_page(
            self.syncer,
            self.run_id,
            self.entity,
            &mut self.ledger_page,
            &page.records,
            "list",
            &trace,
        )
        .await?;
        tally(&mut self.report, &published);
        let read = published.last_id.map_or(0, i64::from);
        self.read_up_to = self.read_up_to.max(read);
        let last = u64::from(page_num) >= page.total_pages;
        self.save_cursor((!last).then_some(page_num + 1)).await?;
        if self.ledger_page % 100 == 0 {
            tracing::info!(entity = %self.entity, page = page_num, total_pages = page.total_pages, "Full sync progressing.");
        }
        if last {
            return self.finish(page_num).await;
        }
        let due = self.watch.as_mut().is_some_and(|watch| {
            watch.pages += 1;
            // One call more per `FEED_LOOK_PAGES` pages (100 by default),
            // and at most that many pages read again after a deletion.
            watch.pages >= self.syncer.settings.feed_look_pages
        });
        if due && let Some(from) = self.look(page_num).await? {
            return Ok(Next::RereadFrom(from));
        }
        Ok(Next::Continue)
    }

    /// The pass reached its end: done, unless a last look at the feed sends
    /// the reader back.
    async fn finish(&mut self, page_num: u32) -> Result<Next, EntityFailure> {
        let looks_left = self
            .watch
            .as_mut()
            .is_some_and(|watch| watch.feed.take_final_look());
        if looks_left && let Some(from) = self.look(page_num).await? {
            return Ok(Next::RereadFrom(from));
        }
        Ok(Next::Done)
    }

    /// Asks the updates feed for deletions since the last look; returns the
    /// page to read again from when a record behind the reader is gone.
    async fn look(&mut self, page_num: u32) -> Result<Option<u32>, EntityFailure> {
        let Some(watch) = self.watch.as_mut() else {
            return Ok(None);
        };
        let Some(deleted) = watch.feed.new_deletions(self.syncer).await? else {
            self.watch = None;
            return Ok(None);
        };
        let behind = deleted.iter().filter(|id| **id <= self.read_up_to).count();
        // Each deletion behind the reader slides the unread records one
        // place back: more than a page of them, from before the page last
        // looked at (a resumed pass's first look covers days).
        let size = self.syncer.settings.qbench.page_size.max(1) as usize;
        let pages_back = u32::try_from(behind.saturating_sub(1) / size).unwrap_or(u32::MAX);
        let from = watch.page.saturating_sub(pages_back).max(1);
        watch.page = page_num;
        watch.pages = 0;
        if behind == 0 {
            return Ok(None);
        }
        tracing::info!(entity = %self.entity, page = page_num, from, deleted = behind, "Records behind the reader were deleted; re-reading.");
        Ok(Some(from))
    }

    /// `None` once the entity is read to the end.
    async fn save_cursor(&self, next_page: Option<u32>) -> Result<(), EntityFailure> {
        let cursor = FetchCursor {
            run_id: Some(self.run_id),
            next_page: next_page.map(|p| p as i32),
            changes_since: Some(self.began),
            ..FetchCursor::default()
        };
        mirror_store::save_cursor(&self.syncer.pool, self.entity, MODE, &cursor).await?;
        Ok(())
    }
}

/// A page read running as its own task; aborted if dropped before it ends
/// (a re-read or a failure leaves the pages ahead unread, not read for
/// nothing).
struct ReadTask<T>(tokio::task::JoinHandle<T>);

impl<T> std::future::Future for ReadTask<T> {
    type Output = T;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<T> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|joined| match joined {
                Ok(output) => output,
                // A read panicked: the run fails as it would have in place.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // Only the runtime shutting down cancels a task this holds.
                Err(e) => panic!("a page read was cancelled: {e}"),
            })
    }
}

impl<T> Drop for ReadTask<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One page of `entity`, id ascending, with its trace.
async fn fetch_page(
    client: &QbenchClient,
    entity: Entity,
    size: u32,
    page_num: u32,
) -> Result<(Page, Span), EntityFailure> {
    let query = PageQuery::new(page_num, size).sorted(SortKey::Id, SortOrder::Asc);
    read_page(client, entity, &query).await
}
