//! What one query counts: the order filters, the instant window, the lab zone
//! and the sample types of turnaround statistics, bound as `$1` to `$7` of
//! every KPI query so the shared SQL fragments below can refer to them.

use chrono::{DateTime, Utc};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;

use crate::range::Window;
use crate::{KpiError, KpiSettings};

/// The request's order filters on a visible sample or test aliased `alias`:
/// `$1` (customer), `$2` (order) and `$3` (order state). Samples and tests
/// carry their order's and customer's ids; the order's state is looked up
/// only when the request names one.
pub(crate) fn scoped(alias: &str) -> String {
    format!(
        "($1::int4 IS NULL OR {alias}.customer_account_id = $1::int4) \
         AND ($2::int4 IS NULL OR {alias}.order_id = $2::int4) \
         AND ($3::text IS NULL OR EXISTS ( \
             SELECT 1 FROM orders scoped_order \
             WHERE scoped_order.id = {alias}.order_id AND scoped_order.state = $3::text))"
    )
}

/// The same filters on a visible order aliased `alias`.
pub(crate) fn scoped_order(alias: &str) -> String {
    format!(
        "($1::int4 IS NULL OR {alias}.customer_account_id = $1::int4) \
         AND ($2::int4 IS NULL OR {alias}.id = $2::int4) \
         AND ($3::text IS NULL OR {alias}.state = $3::text)"
    )
}

/// `reported`: tests in scope reported in the window `[$4, $5)`, each with
/// its turnaround in hours (null without a creation date) and whether its
/// sample type counts in turnaround statistics (`$7`).
///
/// The turnaround is computed in floating point (`date_part`, not
/// `extract`, which answers `numeric`): the CTE is inlined, so `hours` is
/// evaluated once per aggregate and filter that names it, and numeric
/// arithmetic there made a year of turnaround statistics three times
/// slower (docs/benchmarks.md).
pub(crate) fn reported() -> String {
    format!(
        "reported AS (
    SELECT t.id, t.label_abbr, t.report_completed_date AS reported_at,
           date_part('epoch', t.report_completed_date - t.date_created) / 3600 AS hours,
           ($7::text[] IS NULL OR EXISTS (
               SELECT 1 FROM samples typed
               WHERE typed.id = t.sample_id AND typed.sample_type = ANY($7::text[])))
               AS counted_type
    FROM visible_tests t
    WHERE t.report_completed_date IS NOT NULL
      AND {scope}
      AND {window})",
        scope = scoped("t"),
        window = in_window("t.report_completed_date"),
    )
}

/// `tat`: the turnaround population, reported tests with a known turnaround
/// of a counted sample type. Negative values stay here so they can be
/// counted; statistics filter on `hours >= 0`.
///
/// Materialised, so `hours` is computed once per test rather than once per
/// aggregate and filter naming it: a year's statistics took less than half
/// the time (docs/benchmarks.md).
pub(crate) const TAT: &str = "tat AS MATERIALIZED (
    SELECT id, label_abbr, reported_at, hours
    FROM reported
    WHERE hours IS NOT NULL AND counted_type)";

/// The bound values behind `$1` to `$7`.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub customer_id: Option<i32>,
    pub order_id: Option<i32>,
    pub state: Option<String>,
    pub window: Window,
    pub zone: String,
    pub sample_types: Option<Vec<String>>,
}

/// A query whose first seven parameters are a [`Scope`].
pub(crate) type ScopedQuery<'q, O> = QueryAs<'q, Postgres, O, PgArguments>;

impl Scope {
    /// A scope with the request's order filters and window, its `state`
    /// resolved against the mirror's (see [`Scope::with_known_state`]).
    pub async fn new(
        pool: &sqlx::PgPool,
        settings: &KpiSettings,
        filters: (Option<i32>, Option<i32>, Option<&str>),
        window: Window,
    ) -> Result<Scope, KpiError> {
        Scope::checked(settings, filters, window)?
            .with_known_state(pool)
            .await
    }

    /// A scope of every order, over `window`.
    pub fn unfiltered(settings: &KpiSettings, window: Window) -> Result<Scope, KpiError> {
        Scope::checked(settings, (None, None, None), window)
    }

    /// The scope as asked, its ids and state checked.
    ///
    /// PostgreSQL text cannot hold a NUL character and refuses one as a
    /// bound value, so a `state` containing it is the caller's error.
    fn checked(
        settings: &KpiSettings,
        filters: (Option<i32>, Option<i32>, Option<&str>),
        window: Window,
    ) -> Result<Scope, KpiError> {
        if filters.2.is_some_and(|state| state.contains('\0')) {
            return Err(KpiError::invalid(
                "state",
                "must not contain a NUL character",
            ));
        }
        for (name, id) in [("customer_id", filters.0), ("order_id", filters.1)] {
            if id.is_some_and(|id| id < 1) {
                return Err(KpiError::invalid(name, "must be a positive id"));
            }
        }
        Ok(Scope {
            customer_id: filters.0,
            order_id: filters.1,
            // `state=` (a form's empty choice) filters nothing.
            state: filters
                .2
                .filter(|state| !state.is_empty())
                .map(str::to_owned),
            window,
            zone: settings.lab_timezone.name().to_owned(),
            sample_types: settings.tat_sample_types.clone(),
        })
    }

    /// The scope with its `state` spelt as the mirror spells it: compared
    /// ignoring case and surrounding blanks with the states visible orders
    /// have (`order_states` of `common/filters`). A state no visible order
    /// has is refused, naming those that are, rather than answering zeros
    /// everywhere for a typo.
    async fn with_known_state(mut self, pool: &sqlx::PgPool) -> Result<Scope, KpiError> {
        let Some(asked) = self.state.take() else {
            return Ok(self);
        };
        let known = crate::filters_list::order_states(pool).await?;
        let wanted = asked.trim();
        match known.iter().find(|s| s.trim().eq_ignore_ascii_case(wanted)) {
            Some(state) => {
                self.state = Some(state.clone());
                Ok(self)
            }
            None => Err(KpiError::invalid(
                "state",
                format!(
                    "no visible order is in state {asked:?}; their states are {}",
                    if known.is_empty() {
                        "none yet".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            )),
        }
    }

    /// The same scope over another window.
    pub fn with_window(&self, window: Window) -> Scope {
        Scope {
            window,
            ..self.clone()
        }
    }

    /// A query over `sql`, with `$1` to `$7` bound.
    pub fn query<'q, O>(&self, sql: String) -> ScopedQuery<'q, O>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let start: Option<DateTime<Utc>> = self.window.start;
        let end: Option<DateTime<Utc>> = self.window.end;
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(self.customer_id)
            .bind(self.order_id)
            .bind(self.state.clone())
            .bind(start)
            .bind(end)
            .bind(self.zone.clone())
            .bind(self.sample_types.clone())
    }
}

/// `column` lies in the window `[$4, $5)`; an absent side is unbounded.
pub(crate) fn in_window(column: &str) -> String {
    format!(
        "($4::timestamptz IS NULL OR {column} >= $4::timestamptz) \
         AND ($5::timestamptz IS NULL OR {column} < $5::timestamptz)"
    )
}

/// `column` as a lab-zone calendar date (`$6` is the zone name).
pub(crate) fn lab_day(column: &str) -> String {
    format!("({column} AT TIME ZONE $6::text)::date")
}

/// The latest time the mirror wrote any visible record.
pub(crate) const LAST_UPDATED: &str = "(SELECT max(m) FROM (
    SELECT (SELECT fetched_at FROM visible_customers ORDER BY fetched_at DESC LIMIT 1) AS m
    UNION ALL SELECT (SELECT fetched_at FROM visible_orders ORDER BY fetched_at DESC LIMIT 1)
    UNION ALL SELECT (SELECT fetched_at FROM visible_samples ORDER BY fetched_at DESC LIMIT 1)
    UNION ALL SELECT (SELECT fetched_at FROM visible_tests ORDER BY fetched_at DESC LIMIT 1)
    UNION ALL SELECT (SELECT fetched_at FROM visible_batches ORDER BY fetched_at DESC LIMIT 1)
    ) latest)";
