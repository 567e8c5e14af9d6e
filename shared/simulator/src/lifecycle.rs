//! What a record looks like at the lab's current time.
//!
//! A record stores planned events; its state, its dates and its
//! `last_updated` at a given moment follow from the events that have
//! happened by then. Samples and orders derive theirs from their live
//! children, so deleting a test can complete its sample.

use crate::clock::{HOUR, LabTime};
use crate::lab::Records;
use crate::model::{Fate, NO_BATCH, Test};

/// The states a test passes through, as QBench spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestState {
    NotStarted,
    Batched,
    InProgress,
    NeedsReview,
    Completed,
    NotReportable,
    Reported,
    OnHold,
    Cancelled,
}

impl TestState {
    /// QBench's spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TestState::NotStarted => "NOT STARTED",
            TestState::Batched => "BATCHED",
            TestState::InProgress => "IN PROGRESS",
            TestState::NeedsReview => "NEEDS REVIEW (LAB)",
            TestState::Completed => "COMPLETED",
            TestState::NotReportable => "NOT REPORTABLE",
            TestState::Reported => "REPORTED",
            TestState::OnHold => "ON HOLD",
            TestState::Cancelled => "CANCELLED",
        }
    }
}

/// A test as seen at one moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TestView {
    pub(crate) state: TestState,
    pub(crate) started: LabTime,
    pub(crate) completed: LabTime,
    pub(crate) reported: LabTime,
    pub(crate) last_updated: LabTime,
}

/// A sample as seen at one moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SampleView {
    pub(crate) state: &'static str,
    pub(crate) started: LabTime,
    pub(crate) completed: LabTime,
    pub(crate) has_report: bool,
    pub(crate) test_count: u32,
    pub(crate) last_updated: LabTime,
    /// When the sample no longer holds up its order's report.
    report_ready: LabTime,
}

/// An order as seen at one moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderView {
    pub(crate) state: &'static str,
    pub(crate) completed: LabTime,
    pub(crate) reported: LabTime,
    pub(crate) partially_complete: bool,
    pub(crate) sample_count: u32,
    pub(crate) test_count: u32,
    pub(crate) last_updated: LabTime,
}

/// A batch as seen at one moment.
#[derive(Debug, Clone)]
pub(crate) struct BatchView {
    pub(crate) prepared: LabTime,
    pub(crate) tests: Vec<u32>,
    pub(crate) samples: Vec<u32>,
    pub(crate) complete: bool,
    pub(crate) last_updated: LabTime,
}

/// The events of a test in time order, each with the state it enters.
fn test_events(t: &Test) -> [(LabTime, TestState); 6] {
    let never = (LabTime::NEVER, TestState::NotStarted);
    let created = (t.created, TestState::NotStarted);
    let first = if t.batch == NO_BATCH {
        TestState::InProgress
    } else {
        TestState::Batched
    };
    match t.fate {
        Fate::Cancelled => [
            created,
            (t.started, TestState::Cancelled),
            never,
            never,
            never,
            never,
        ],
        Fate::OnHold => [
            created,
            (t.started, first),
            (t.started.plus(2 * HOUR), TestState::OnHold),
            never,
            never,
            never,
        ],
        Fate::Reported | Fate::NotReportable => {
            let span = (t.completed.secs() - t.started.secs()).max(0);
            let end = if t.fate == Fate::Reported {
                TestState::Completed
            } else {
                TestState::NotReportable
            };
            [
                created,
                (t.started, first),
                (t.started.plus(span * 2 / 5), TestState::InProgress),
                (t.started.plus(span * 4 / 5), TestState::NeedsReview),
                (t.completed, end),
                (t.reported, TestState::Reported),
            ]
        }
    }
}

/// When a test stops changing on its own (`NEVER` while it can still move).
fn settled_at(t: &Test) -> LabTime {
    match t.fate {
        Fate::Reported | Fate::NotReportable => t.completed,
        Fate::Cancelled => t.started,
        Fate::OnHold => LabTime::NEVER,
    }
}

impl Records {
    /// Whether a record with these events exists at `now`.
    pub(crate) fn alive(created: LabTime, deleted: LabTime, now: LabTime) -> bool {
        created.by(now) && !deleted.by(now)
    }

    /// Test `i` at `now`.
    pub(crate) fn test_view(&self, i: u32, now: LabTime) -> TestView {
        let t = &self.tests[i as usize];
        let (mut at, mut state) = (t.created, TestState::NotStarted);
        for (when, entered) in test_events(t) {
            if when.by(now) {
                (at, state) = (when, entered);
            }
        }
        let started = if t.fate == Fate::Cancelled {
            LabTime::NEVER
        } else {
            t.started
        };
        TestView {
            state,
            started: seen(started, now),
            completed: seen(t.completed, now),
            reported: seen(t.reported, now),
            last_updated: at.latest(seen_or_zero(t.touched, now)),
        }
    }

    /// The live tests of sample `s` at `now`.
    pub(crate) fn live_tests(&self, s: u32, now: LabTime) -> impl Iterator<Item = u32> + '_ {
        let sample = &self.samples[s as usize];
        let first = sample.first_test;
        (first..first + u32::from(sample.test_count)).filter(move |&i| {
            let t = &self.tests[i as usize];
            Records::alive(t.created, t.deleted, now)
        })
    }

    /// The live samples of order `o` at `now`.
    pub(crate) fn live_samples(&self, o: u32, now: LabTime) -> impl Iterator<Item = u32> + '_ {
        let order = &self.orders[o as usize];
        let first = order.first_sample;
        (first..first + u32::from(order.sample_count)).filter(move |&i| {
            let s = &self.samples[i as usize];
            Records::alive(s.created, s.deleted, now)
        })
    }

    /// Sample `s` at `now`, derived from its live tests.
    pub(crate) fn sample_view(&self, s: u32, now: LabTime) -> SampleView {
        let sample = &self.samples[s as usize];
        let plan = SamplePlan::of(self, s, now);
        let state = if plan.settled.by(now) {
            plan.outcome
        } else if plan.started.by(now) {
            "IN PROGRESS"
        } else {
            "CREATED"
        };
        let last = [sample.created, plan.started, plan.settled, plan.reported]
            .into_iter()
            .filter(|at| at.by(now))
            .fold(seen_or_zero(sample.touched, now), LabTime::latest);
        SampleView {
            state,
            started: seen(plan.started, now),
            completed: seen(plan.settled, now),
            has_report: plan.reported.by(now),
            test_count: plan.test_count,
            last_updated: last,
            report_ready: plan.report_ready(),
        }
    }

    /// Order `o` at `now`, derived from its live samples.
    pub(crate) fn order_view(&self, o: u32, now: LabTime) -> OrderView {
        let order = &self.orders[o as usize];
        let samples: Vec<SampleView> = self
            .live_samples(o, now)
            .map(|s| self.sample_view(s, now))
            .collect();
        let completed = latest_of(samples.iter().map(|s| s.completed));
        let first_done = samples
            .iter()
            .map(|s| s.completed)
            .min()
            .unwrap_or(LabTime::NEVER);
        let reported = latest_of(samples.iter().map(|s| s.report_ready))
            .plus(i64::from(order.report_lag_minutes) * 60);
        let state = if reported.by(now) {
            "REPORTED"
        } else if completed.by(now) {
            "COMPLETED"
        } else {
            "CREATED"
        };
        let last = [
            order.created,
            order.received,
            first_done,
            completed,
            reported,
        ]
        .into_iter()
        .filter(|at| at.by(now))
        .fold(seen_or_zero(order.touched, now), LabTime::latest);
        OrderView {
            state,
            completed: seen(completed, now),
            reported: seen(reported, now),
            partially_complete: first_done.by(now) && !completed.by(now),
            sample_count: u32::try_from(samples.len()).unwrap_or(u32::MAX),
            test_count: samples.iter().map(|s| s.test_count).sum(),
            last_updated: last,
        }
    }

    /// Batch `b` at `now`: the members that have started, and whether done.
    pub(crate) fn batch_view(&self, b: u32, now: LabTime) -> BatchView {
        let batch = &self.batches[b as usize];
        let live: Vec<&Test> = batch
            .tests
            .iter()
            .map(|&i| &self.tests[i as usize])
            .filter(|t| Records::alive(t.created, t.deleted, now))
            .collect();
        // Members join when they start; the batch is done once it is closed
        // and every member, started or not, has settled.
        let done = latest_of(live.iter().map(|t| settled_at(t))).latest(batch.closed);
        let members: Vec<u32> = batch
            .tests
            .iter()
            .copied()
            .filter(|&i| {
                let t = &self.tests[i as usize];
                Records::alive(t.created, t.deleted, now) && t.started.by(now)
            })
            .collect();
        let mut samples: Vec<u32> = members
            .iter()
            .map(|&i| self.tests[i as usize].sample)
            .collect();
        samples.sort_unstable();
        samples.dedup();
        let prepared = batch.created.plus(HOUR);
        // A member's deletion changes the batch too: without it, deleting
        // the member that started last would move `last_updated` back.
        let deletions = batch.tests.iter().map(|&i| self.tests[i as usize].deleted);
        let last = members
            .iter()
            .map(|&i| self.tests[i as usize].started)
            .chain(deletions)
            .chain([batch.created, prepared, done])
            .filter(|at| at.by(now))
            .fold(batch.created, LabTime::latest);
        BatchView {
            prepared: seen(prepared, now),
            tests: members,
            samples,
            complete: done.by(now),
            last_updated: last,
        }
    }
}

/// The planned milestones of a sample, from its live tests.
struct SamplePlan {
    started: LabTime,
    settled: LabTime,
    reported: LabTime,
    reportable: bool,
    outcome: &'static str,
    test_count: u32,
}

impl SamplePlan {
    fn of(records: &Records, s: u32, now: LabTime) -> SamplePlan {
        let tests: Vec<&Test> = records
            .live_tests(s, now)
            .map(|i| &records.tests[i as usize])
            .collect();
        let reportable: Vec<&&Test> = tests
            .iter()
            .filter(|t| matches!(t.fate, Fate::Reported | Fate::OnHold))
            .collect();
        let outcome = if !tests.is_empty() && tests.iter().all(|t| t.fate == Fate::Cancelled) {
            "DISCONTINUED"
        } else if reportable.is_empty() {
            "NOT REPORTABLE"
        } else {
            "COMPLETED"
        };
        SamplePlan {
            started: tests
                .iter()
                .map(|t| t.started)
                .min()
                .unwrap_or(LabTime::NEVER),
            settled: latest_of(tests.iter().map(|t| settled_at(t))),
            reported: latest_of(reportable.iter().map(|t| t.reported)),
            reportable: !reportable.is_empty(),
            outcome,
            test_count: u32::try_from(tests.len()).unwrap_or(u32::MAX),
        }
    }

    /// A sample without reportable tests is ready for the order once settled.
    fn report_ready(&self) -> LabTime {
        if self.reportable {
            self.reported
        } else {
            self.settled
        }
    }
}

/// The latest of some planned instants; `NEVER` if any is, or if none.
fn latest_of(times: impl Iterator<Item = LabTime>) -> LabTime {
    times
        .fold(None, |acc: Option<LabTime>, at| {
            Some(acc.map_or(at, |a| a.latest(at)))
        })
        .unwrap_or(LabTime::NEVER)
}

/// The instant if it has happened by `now`, else `NEVER` (shown as null).
fn seen(at: LabTime, now: LabTime) -> LabTime {
    at.seen_by(now).unwrap_or(LabTime::NEVER)
}

/// The instant if it has happened by `now`, else the earliest instant.
fn seen_or_zero(at: LabTime, now: LabTime) -> LabTime {
    at.seen_by(now).unwrap_or(LabTime::ZERO)
}
