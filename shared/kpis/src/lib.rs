//! Lab KPIs and record details, read from the mirror's PostgreSQL.
//!
//! One async function per REST route of the earlier tool, with its query
//! parameters and response field names, so its clients keep working. Every
//! query reads the `visible_*` views only, so deleted and banned records (and
//! everything under a banned parent) never reach a figure. The definitions
//! behind each number (turnaround, SLA, percentiles, day buckets, empty sets)
//! are written down once in `docs/metrics.md`.
//!
//! Functions take the lab-wide [`KpiSettings`] and a query type that the HTTP
//! layer deserialises from the query string; dates are parsed here, and a bad
//! value answers [`KpiError::InvalidParameter`] naming the parameter.

mod activity;
mod customers;
mod entities;
mod error;
mod filters;
mod filters_list;
mod overview;
mod range;
mod reports;
mod scope;
mod settings;
mod stats;
mod summary;
mod sync_status;
mod tat;
mod tat_daily;

pub use activity::{ActivityDay, ActivityResponse, activity_daily};
pub use customers::{
    NewCustomer, NewCustomersResponse, TopCustomer, TopTestsResponse, new_customers,
    top_customers_by_tests,
};
pub use entities::{
    BatchRef, CustomerRef, OrderDetail, OrderDetailResponse, OrderRef, OrderSample, SampleDetail,
    SampleDetailResponse, SampleRef, SlaStatus, TestDetail, TestDetailResponse, TestSummary,
    order_detail, sample_detail, test_detail,
};
pub use error::KpiError;
pub use filters::{
    ActivityQuery, CustomersQuery, EntityQuery, OrderQuery, RangeQuery, SlaRangeQuery,
    SyncStatusQuery, TatBreakdownQuery, TatDailyQuery, TatGrouping, TatQuery, TestsOverviewQuery,
};
pub use filters_list::{CommonFiltersResponse, CustomerOption, common_filters};
pub use overview::{
    DayCreatedCompleted, KeyCount, LabelCount, LabelDistributionResponse, SampleKpis,
    SamplesOverviewResponse, TestKpis, TestsOverviewResponse, label_distribution, samples_overview,
    tests_overview,
};
pub use reports::{ReportsOverviewResponse, reports_overview};
pub use settings::{KpiSettings, MAX_SLA_HOURS};
pub use summary::{SummaryKpis, SummaryResponse, summary};
pub use sync_status::{SyncStatusResponse, sync_status};
pub use tat::{
    TatBreakdownResponse, TatBucket, TatLabelStats, TatMetrics, TatPoint, TatResponse,
    tat_breakdown, tests_tat,
};
pub use tat_daily::{TatDailyPoint, TatDailyResponse, tests_tat_daily};
