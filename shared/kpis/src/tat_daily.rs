//! `metrics/tests/tat-daily`: turnaround per report day, with a moving
//! average over calendar days.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::Window;
use crate::scope::{Scope, TAT, lab_day, reported};
use crate::stats::round_hours;
use crate::{KpiError, KpiSettings, TatDailyQuery, TatPoint};

/// The moving-average window when the request names none.
const DEFAULT_WINDOW: u32 = 7;

/// The widest moving-average window accepted, in days.
const MAX_WINDOW: u32 = 366;

/// The response of `metrics/tests/tat-daily`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatDailyResponse {
    /// One point per lab-zone day of the range, days without reports included.
    pub points: Vec<TatDailyPoint>,
    /// Per day, the mean turnaround of the reports of the window's calendar
    /// days ending that day (within the range); null when the window is 0.
    pub moving_average_hours: Option<Vec<TatPoint>>,
    /// Reports left out for ending before they began.
    pub negative_tat_excluded: i64,
}

/// Turnaround of the reports of one lab-zone day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatDailyPoint {
    /// The report day.
    pub date: NaiveDate,
    /// Mean turnaround in hours; null without reports.
    pub average_hours: Option<f64>,
    /// Reports at or under the SLA.
    pub within_sla: i64,
    /// Reports over the SLA.
    pub beyond_sla: i64,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    date: NaiveDate,
    total_hours: f64,
    counted: i64,
    within_sla: i64,
    beyond_sla: i64,
    negative: i64,
}

/// Mean turnaround and SLA split per report day, and their moving average.
pub async fn tests_tat_daily(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &TatDailyQuery,
) -> Result<TatDailyResponse, KpiError> {
    let zone = settings.lab_timezone;
    let window = Window::parse_dates(query.date_from.as_deref(), query.date_to.as_deref(), zone)?;
    let sla = settings.sla_hours(query.sla_hours)?;
    let average_days = query.moving_average_window.unwrap_or(DEFAULT_WINDOW);
    if average_days > MAX_WINDOW {
        return Err(KpiError::invalid(
            "moving_average_window",
            format!("must be at most {MAX_WINDOW}"),
        ));
    }
    let span = window.days(zone, ("date_from", "date_to"))?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, span.window).await?;

    let reported = reported();
    let sql = format!(
        "WITH {reported}, {TAT},
         days AS (
           SELECT d::date AS day FROM generate_series($9::date, $10::date, interval '1 day') d),
         per_day AS (
           SELECT {day} AS day,
             coalesce(sum(hours) FILTER (WHERE hours >= 0), 0) AS total_hours,
             count(*) FILTER (WHERE hours >= 0) AS counted,
             count(*) FILTER (WHERE hours >= 0 AND hours <= $8) AS within_sla,
             count(*) FILTER (WHERE hours > $8) AS beyond_sla,
             count(*) FILTER (WHERE hours < 0) AS negative
           FROM tat GROUP BY 1)
         SELECT days.day AS date,
           coalesce(p.total_hours, 0)::float8 AS total_hours,
           coalesce(p.counted, 0) AS counted,
           coalesce(p.within_sla, 0) AS within_sla,
           coalesce(p.beyond_sla, 0) AS beyond_sla,
           coalesce(p.negative, 0) AS negative
         FROM days LEFT JOIN per_day p ON p.day = days.day
         ORDER BY days.day",
        day = lab_day("reported_at"),
    );
    let days: Vec<DayRow> = scope
        .query(sql)
        .bind(sla)
        .bind(span.first)
        .bind(span.last)
        .fetch_all(pool)
        .await?;

    let moving_average_hours =
        (average_days > 0).then(|| moving_average(&days, average_days as usize));
    Ok(TatDailyResponse {
        negative_tat_excluded: days.iter().map(|d| d.negative).sum(),
        points: days.iter().map(point).collect(),
        moving_average_hours,
    })
}

fn point(day: &DayRow) -> TatDailyPoint {
    TatDailyPoint {
        date: day.date,
        average_hours: mean(day.total_hours, day.counted),
        within_sla: day.within_sla,
        beyond_sla: day.beyond_sla,
    }
}

/// The pooled mean over each run of `width` calendar days. `days` holds
/// every day of the range, empty ones included, so a window never reaches
/// further back than `width` days; it is shorter at the range's start.
fn moving_average(days: &[DayRow], width: usize) -> Vec<TatPoint> {
    days.iter()
        .enumerate()
        .map(|(i, day)| {
            let run = &days[(i + 1).saturating_sub(width)..=i];
            let total: f64 = run.iter().map(|d| d.total_hours).sum();
            let counted: i64 = run.iter().map(|d| d.counted).sum();
            TatPoint {
                period_start: day.date,
                value: mean(total, counted),
            }
        })
        .collect()
}

fn mean(total: f64, count: i64) -> Option<f64> {
    round_hours((count > 0).then(|| total / count as f64))
}
