//! The spans of one batch, when traces are exported.
//!
//! A batch holds records of many traces (one per fetched page), so it
//! cannot be the child of them all. Each record gets a `load_record` span,
//! a child of the span that published it (its `traceparent`), which lasts
//! until the batch is committed and acknowledged: the record's trace runs
//! from the QBench call to its commit. The `load_batch` span, a root of its
//! own, covers the database work and links to every record's publisher, so
//! either side leads to the other.

use mirror_records::Entity;
use tracing::Span;
use tracing::field::Empty;

use crate::delivery::Delivery;

/// The spans of one batch; the record spans end when this is dropped.
pub struct BatchTrace {
    batch: Span,
    records: Vec<Span>,
}

impl BatchTrace {
    /// Opens the batch's spans; builds nothing when traces are not exported.
    pub fn open(entity: Entity, deliveries: &[Delivery]) -> Self {
        if !mirror_telemetry::traces::exporting() {
            return BatchTrace {
                batch: Span::none(),
                records: Vec::new(),
            };
        }
        let batch = tracing::info_span!(
            parent: None,
            "load_batch",
            %entity,
            records = deliveries.len(),
            otel.status_code = Empty,
        );
        let records = deliveries
            .iter()
            .filter_map(|d| d.parsed.as_ref().ok())
            .filter_map(|parsed| {
                let traceparent = parsed.headers.traceparent.as_deref()?;
                mirror_telemetry::traces::link_to(&batch, traceparent);
                let span = tracing::info_span!(
                    parent: None,
                    "load_record",
                    %entity,
                    id = parsed.headers.id,
                    version = %parsed.headers.version,
                    attempt = parsed.attempt,
                    otel.status_code = Empty,
                );
                mirror_telemetry::traces::continue_trace(&span, traceparent);
                Some(span)
            })
            .collect();
        BatchTrace { batch, records }
    }

    /// The span the batch's work runs in.
    pub fn batch(&self) -> Span {
        self.batch.clone()
    }

    /// Marks every span of a batch that failed; its records come back.
    pub fn failed(&self) {
        for span in self.records.iter().chain([&self.batch]) {
            span.record("otel.status_code", "ERROR");
        }
    }
}
