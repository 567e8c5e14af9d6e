//! `entities/samples/{id}`, `entities/tests/{id}` and `entities/orders/{id}`:
//! one record with its relatives. Unknown, deleted and banned records (and
//! records under a banned parent) answer `None`.
//!
//! The SLA status of a test compares its turnaround with the SLA once it is
//! reported, and its age at `now` while it is not; a sample's or an order's
//! status summarises its tests' statuses.

mod order;
mod relatives;
mod sample;
mod sla;
mod test;

pub use order::{OrderDetail, OrderDetailResponse, OrderSample, order_detail};
pub use relatives::{BatchRef, CustomerRef, OrderRef, SampleRef, TestSummary};
pub use sample::{SampleDetail, SampleDetailResponse, sample_detail};
pub(crate) use sla::closed_sql;
pub use sla::{CLOSED_SAMPLE_STATES, CLOSED_TEST_STATES, SlaStatus};
pub use test::{TestDetail, TestDetailResponse, test_detail};
