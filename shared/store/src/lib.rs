//! The mirror's PostgreSQL: connecting, migrating, and every write the
//! pipeline makes.
//!
//! The rules of DESIGN section 5 live here as SQL: rows are only overwritten
//! by newer versions, keys absent from a payload keep their stored values,
//! and checkpoints advance in the same transaction as the rows they cover,
//! only over pages whose every record is committed.

mod adopt;
mod connect;
mod cursors;
mod deletions;
mod fetcher_lock;
mod ledger;
mod presence;
mod runs;
mod skipped;
mod snapshot;
mod sync_report;
mod upsert;

pub use adopt::holds_mirror;
pub use connect::{
    StoreError, connect, connect_waiting, migrate, migrate_configured, open, open_waiting,
};
pub use cursors::{
    FetchCursor, load_cursor, max_id, pages_recorded, save_cursor, unfinished_full_runs,
};
pub use deletions::{live_ids, mark_deleted};
pub use fetcher_lock::{FetcherLock, fetcher_is_running};
pub use ledger::{
    Outcome, Receipt, advance_checkpoint, hold_checkpoint, record_receipts, settle_skipped_receipts,
};
pub use presence::{Connected, connected_services};
pub use runs::{
    Checkpoint, PageRecord, RunProgress, RunStatus, UncountedPage, abandon_running_runs,
    announce_page, checkpoints, count_page, finish_run, finish_run_entity, record_page,
    run_progress, start_run, start_run_entity, uncounted_pages,
};
pub use skipped::{
    Landing, SkippedRecord, claim_for_retry, landings, list_skipped, requeue_candidates, set_aside,
    settle_skipped,
};
pub use snapshot::{MirrorRecord, mirror_records};
pub use sync_report::{
    EntityTally, SyncReport, check_report_dir, count_page_changes, set_run_window, sync_report,
    write_report,
};
pub use upsert::{Incoming, UpsertSummary, existing_ids, held_versions, lock_records, upsert_rows};
