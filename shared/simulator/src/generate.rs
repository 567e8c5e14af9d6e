//! The lab's work over time: customers sign up, orders arrive with their
//! samples and tests, tests join batches, and now and then a record is
//! deleted.
//!
//! Each kind of event is its own stream with its own seeded generator, and
//! events are always taken earliest first. So the lab at a given time does
//! not depend on how the clock got there: generating three years at once or
//! advancing a day at a time gives the same records.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::clock::{DAY, HOUR, LabTime, MINUTE};
use crate::config::LabSize;
use crate::dates::QbenchDates;
use crate::dice::mix;
use crate::lab::{Lab, Records};
use crate::model::{
    ASSAYS, Batch, Customer, Fate, MATRIX_TYPES, NO_BATCH, Order, SAMPLE_TYPES, Sample, Test,
};
use mirror_records::Entity;

/// The rates that make a lab of a given size.
#[derive(Debug, Clone, Copy)]
struct Profile {
    history_days: i64,
    initial_customers: usize,
    customers_per_day: f64,
    orders_per_day: f64,
    deletions_per_day: f64,
}

impl Profile {
    fn of(size: LabSize) -> Profile {
        // (customers, orders, days of history); samples, tests and batches
        // follow from orders: about 4 samples an order, 3 tests a sample and
        // 30 tests a batch.
        let (customers, orders, days) = match size {
            LabSize::Tiny => (20.0, 100.0, 60),
            LabSize::Small => (200.0, 5_000.0, 365),
            LabSize::Medium => (2_000.0, 50_000.0, 3 * 365),
            LabSize::Large => (4_000.0, 100_000.0, 3 * 365),
        };
        let per_day = |n: f64| n / days as f64;
        Profile {
            history_days: days,
            initial_customers: (customers * 0.3) as usize,
            customers_per_day: per_day(customers * 0.7),
            orders_per_day: per_day(orders),
            // Roughly one test in 250 is deleted within two weeks.
            deletions_per_day: (per_day(orders) * 12.0 / 250.0).max(1.0),
        }
    }
}

/// Builds the lab of `size` whose history ends at `clock`.
pub(crate) fn history(seed: u64, size: LabSize, clock: LabTime, dates: QbenchDates) -> Lab {
    let profile = Profile::of(size);
    let start = clock.plus(-profile.history_days * DAY);
    let mut records = Records::default();
    let mut setup = StdRng::seed_from_u64(mix(seed, 0));
    founding_customers(&mut records, &mut setup, start, profile.initial_customers);

    let mut streams = Streams::new(seed, &profile, start, dates);
    streams.run_until(&mut records, clock);

    Lab {
        now: clock,
        records,
        streams,
        dates,
        seed,
        version: 0,
    }
}

/// Accounts that existed before the history starts; the oldest show no
/// creation date, as on real tenants.
fn founding_customers(records: &mut Records, rng: &mut StdRng, start: LabTime, n: usize) {
    let mut created: Vec<LabTime> = (0..n.max(1))
        .map(|_| start.plus(-rng.random_range(DAY..4 * 365 * DAY)))
        .collect();
    created.sort_unstable();
    let undated = created.len() * 2 / 5;
    for (i, at) in created.into_iter().enumerate() {
        records.customers.push(new_customer(rng, at, i >= undated));
    }
}

fn new_customer(rng: &mut StdRng, created: LabTime, shows_created: bool) -> Customer {
    let edited = if rng.random_bool(0.5) {
        created.plus(rng.random_range(HOUR..500 * DAY))
    } else {
        LabTime::NEVER
    };
    Customer {
        created,
        shows_created,
        edited,
        deleted: LabTime::NEVER,
        touched: LabTime::NEVER,
    }
}

/// One stream of events at random times.
#[derive(Debug)]
struct Arrivals {
    next: LabTime,
    rng: StdRng,
    per_day: f64,
}

impl Arrivals {
    fn new(seed: u64, stream: u64, per_day: f64, start: LabTime) -> Arrivals {
        let mut arrivals = Arrivals {
            next: start,
            rng: StdRng::seed_from_u64(mix(seed, stream)),
            per_day,
        };
        arrivals.next = arrivals.after(start, per_day);
        arrivals
    }

    /// An exponential gap after `at`, for a stream of `per_day` events.
    fn after(&mut self, at: LabTime, per_day: f64) -> LabTime {
        let mean = DAY as f64 / per_day.max(1e-6);
        let u: f64 = self.rng.random();
        let gap = (-(1.0 - u).ln() * mean).clamp(1.0, 1e9);
        at.plus(gap as i64)
    }
}

/// Relative order intake by hour: busy on weekday working hours.
fn intake_weight(dates: &QbenchDates, at: LabTime) -> f64 {
    let (hour, weekday) = dates.local_hour_and_weekday(at);
    match (weekday < 5, (8..18).contains(&hour)) {
        (true, true) => 1.0,
        (true, false) => 0.1,
        (false, _) => 0.15,
    }
}

/// The mean of [`intake_weight`] over a week.
const MEAN_INTAKE_WEIGHT: f64 = (5.0 * (10.0 + 14.0 * 0.1) + 2.0 * 24.0 * 0.15) / 168.0;

/// The lab's event streams and the batches they are filling.
#[derive(Debug)]
pub(crate) struct Streams {
    customers: Arrivals,
    orders: Arrivals,
    deletions: Arrivals,
    /// Per assay, the batch taking new tests (`NO_BATCH` if none).
    open_batches: [u32; ASSAYS.len()],
    dates: QbenchDates,
}

impl Streams {
    fn new(seed: u64, profile: &Profile, start: LabTime, dates: QbenchDates) -> Streams {
        let mut streams = Streams {
            customers: Arrivals::new(seed, 1, profile.customers_per_day, start),
            orders: Arrivals::new(seed, 2, profile.orders_per_day, start),
            deletions: Arrivals::new(seed, 3, profile.deletions_per_day, start),
            open_batches: [NO_BATCH; ASSAYS.len()],
            dates,
        };
        streams.orders.next = streams.next_order_after(start);
        streams
    }

    /// Plays every event up to and including `until`, earliest first.
    pub(crate) fn run_until(&mut self, records: &mut Records, until: LabTime) {
        loop {
            let next = self
                .customers
                .next
                .min(self.orders.next)
                .min(self.deletions.next);
            if next > until {
                return;
            }
            if next == self.customers.next {
                self.customer_signs_up(records);
            } else if next == self.orders.next {
                self.order_arrives(records);
            } else {
                self.record_is_deleted(records);
            }
        }
    }

    fn customer_signs_up(&mut self, records: &mut Records) {
        let at = self.customers.next;
        records
            .customers
            .push(new_customer(&mut self.customers.rng, at, true));
        self.customers.next = self.customers.after(at, self.customers.per_day);
    }

    fn order_arrives(&mut self, records: &mut Records) {
        let at = self.orders.next;
        let mut batches = BatchFiller {
            open: &mut self.open_batches,
        };
        add_order(records, &mut batches, &mut self.orders.rng, at);
        self.orders.next = self.next_order_after(at);
    }

    /// The next order time, thinned so that orders come in working hours.
    fn next_order_after(&mut self, mut at: LabTime) -> LabTime {
        let peak = self.orders.per_day / MEAN_INTAKE_WEIGHT;
        loop {
            at = self.orders.after(at, peak);
            let keep: f64 = self.orders.rng.random();
            if keep < intake_weight(&self.dates, at) {
                return at;
            }
        }
    }

    /// Deletes a recent test, sample or order, as lab staff fix mistakes.
    fn record_is_deleted(&mut self, records: &mut Records) {
        let at = self.deletions.next;
        let rng = &mut self.deletions.rng;
        let entity = match rng.random_range(0..100) {
            0..70 => Entity::Test,
            70..92 => Entity::Sample,
            _ => Entity::Order,
        };
        let recent = at.plus(-14 * DAY);
        let first = first_created_after(records, entity, recent);
        let len = records.len(entity);
        if first < len {
            let index = rng.random_range(first..len);
            if records.is_live(entity, index, at) {
                records.delete(entity, index, at);
            }
        }
        self.deletions.next = self.deletions.after(at, self.deletions.per_day);
    }
}

/// The first index of `entity` created after `at` (records are created in
/// time order).
fn first_created_after(records: &Records, entity: Entity, at: LabTime) -> u32 {
    let index = match entity {
        Entity::Order => records.orders.partition_point(|o| o.created <= at),
        Entity::Sample => records.samples.partition_point(|s| s.created <= at),
        _ => records.tests.partition_point(|t| t.created <= at),
    };
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// An order with its samples and tests, all created at `at`.
fn add_order(records: &mut Records, batches: &mut BatchFiller, rng: &mut StdRng, at: LabTime) {
    let order_index = index_of(records.orders.len());
    let customer = pick_customer(records, rng, at);
    // Samples are received when the order is entered, or were received
    // (and logged on paper) some hours before.
    let received = if rng.random_bool(0.75) {
        at.plus(-rng.random_range(0..=MINUTE))
    } else {
        at.plus(-rng.random_range(0..20 * HOUR))
    };
    let first_sample = index_of(records.samples.len());
    let mut sample_count: u16 = 1;
    while sample_count < 18 && rng.random_bool(0.75) {
        sample_count += 1;
    }
    for _ in 0..sample_count {
        add_sample(records, batches, rng, order_index, at);
    }
    records.orders.push(Order {
        customer,
        created: at,
        received,
        first_sample,
        sample_count,
        report_lag_minutes: rng.random_range(5..20 * 60),
        deleted: LabTime::NEVER,
        touched: LabTime::NEVER,
    });
}

/// A customer that exists at `at`; older accounts order more often.
fn pick_customer(records: &Records, rng: &mut StdRng, at: LabTime) -> u32 {
    let existing = records
        .customers
        .partition_point(|c| c.created <= at)
        .max(1);
    let u: f64 = rng.random();
    let skewed = if rng.random_bool(0.5) { u * u } else { u };
    let start = ((existing as f64) * skewed) as usize;
    (start..existing)
        .chain(0..start)
        .find(|&i| records.customers[i].deleted > at)
        .map_or(0, index_of)
}

fn add_sample(
    records: &mut Records,
    batches: &mut BatchFiller,
    rng: &mut StdRng,
    order: u32,
    at: LabTime,
) {
    let sample_index = index_of(records.samples.len());
    let first_test = index_of(records.tests.len());
    let assays = pick_assays(rng);
    for &assay in &assays {
        add_test(records, batches, rng, sample_index, assay, at);
    }
    records.samples.push(Sample {
        order,
        created: at,
        first_test,
        test_count: u8::try_from(assays.len()).unwrap_or(u8::MAX),
        matrix: weighted(rng, &[30, 15, 20, 12, 8, 7, 3, 2, 3]),
        sample_type: weighted(rng, &[15, 8, 60, 17]),
        deleted: LabTime::NEVER,
        touched: LabTime::NEVER,
    });
    debug_assert!(MATRIX_TYPES.len() == 9 && SAMPLE_TYPES.len() == 4);
}

/// Distinct assays for one sample: potency nearly always, then others by
/// how often labs order them.
fn pick_assays(rng: &mut StdRng) -> Vec<u8> {
    let mut count = 1;
    while count < 8 && rng.random_bool(2.0 / 3.0) {
        count += 1;
    }
    let mut weights: Vec<u32> = ASSAYS.iter().map(|a| a.weight).collect();
    let mut chosen = Vec::with_capacity(count);
    if rng.random_bool(0.85) {
        chosen.push(0);
        weights[0] = 0;
    }
    while chosen.len() < count {
        let assay = weighted(rng, &weights);
        weights[usize::from(assay)] = 0;
        chosen.push(assay);
    }
    chosen
}

/// An index into `weights`, drawn in proportion to them.
fn weighted(rng: &mut StdRng, weights: &[u32]) -> u8 {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if roll < w {
            return u8::try_from(i).unwrap_or(0);
        }
        roll -= w;
    }
    0
}

fn add_test(
    records: &mut Records,
    batches: &mut BatchFiller,
    rng: &mut StdRng,
    sample: u32,
    assay: u8,
    at: LabTime,
) {
    let test_index = index_of(records.tests.len());
    let fate = match rng.random_range(0..1000) {
        0..25 => Fate::Cancelled,
        25..40 => Fate::OnHold,
        40..70 => Fate::NotReportable,
        _ => Fate::Reported,
    };
    let mut started = at.plus(30 * MINUTE + rng.random_range(0..10 * HOUR));
    let batch = if matches!(fate, Fate::Reported | Fate::NotReportable) {
        let (batch, earliest) = batches.join(records, rng, assay, test_index, started, at);
        started = started.max(earliest);
        batch
    } else {
        NO_BATCH
    };
    let (completed, reported) = finish_times(rng, fate, at, started);
    records.tests.push(Test {
        sample,
        assay,
        fate,
        batch,
        created: at,
        started,
        completed,
        reported,
        deleted: LabTime::NEVER,
        touched: LabTime::NEVER,
    });
}

/// When a test completes and is reported: most within one to four days of
/// creation, a few the same day, a tail of weeks.
fn finish_times(
    rng: &mut StdRng,
    fate: Fate,
    created: LabTime,
    started: LabTime,
) -> (LabTime, LabTime) {
    if matches!(fate, Fate::Cancelled | Fate::OnHold) {
        return (LabTime::NEVER, LabTime::NEVER);
    }
    let turnaround = match rng.random_range(0..100) {
        0..6 => rng.random_range(8 * HOUR..DAY),
        6..80 => rng.random_range(DAY..4 * DAY),
        80..95 => rng.random_range(4 * DAY..10 * DAY),
        _ => rng.random_range(10 * DAY..30 * DAY),
    };
    let reported = created.plus(turnaround).max(started.plus(2 * HOUR));
    let completed = reported
        .plus(-rng.random_range(15 * MINUTE..12 * HOUR))
        .max(started.plus(HOUR));
    let reported = reported.max(completed);
    match fate {
        Fate::Reported => (completed, reported),
        _ => (completed, LabTime::NEVER),
    }
}

/// Puts tests into the open batch of their assay, opening a new one when
/// the last is full.
struct BatchFiller<'a> {
    open: &'a mut [u32; ASSAYS.len()],
}

impl BatchFiller<'_> {
    /// Adds a test to its assay's batch; returns the batch and the earliest
    /// start the batch allows.
    fn join(
        &mut self,
        records: &mut Records,
        rng: &mut StdRng,
        assay: u8,
        test: u32,
        start: LabTime,
        at: LabTime,
    ) -> (u32, LabTime) {
        let slot = &mut self.open[usize::from(assay)];
        if *slot == NO_BATCH {
            *slot = index_of(records.batches.len());
            records.batches.push(Batch {
                assay,
                created: start,
                closed: LabTime::NEVER,
                capacity: rng.random_range(20..=40),
                tests: Vec::new(),
                deleted: LabTime::NEVER,
            });
        }
        let index = *slot;
        let batch = &mut records.batches[index as usize];
        batch.tests.push(test);
        if batch.tests.len() >= usize::from(batch.capacity) {
            batch.closed = at;
            *slot = NO_BATCH;
        }
        (index, batch.created)
    }
}

fn index_of(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::lifecycle::TestState;

    fn clock() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap()
    }

    fn tiny(seed: u64) -> Lab {
        Lab::generate(seed, LabSize::Tiny, clock(), chrono_tz::America::New_York)
    }

    #[test]
    fn a_tiny_lab_has_about_the_promised_counts() {
        let lab = tiny(1);
        let count = |e| lab.live_count(e);
        assert!(
            (10..=30).contains(&count(Entity::Customer)),
            "{}",
            count(Entity::Customer)
        );
        assert!(
            (60..=150).contains(&count(Entity::Order)),
            "{}",
            count(Entity::Order)
        );
        assert!(
            (200..=650).contains(&count(Entity::Sample)),
            "{}",
            count(Entity::Sample)
        );
        assert!(
            (600..=2000).contains(&count(Entity::Test)),
            "{}",
            count(Entity::Test)
        );
        assert!(
            (15..=80).contains(&count(Entity::Batch)),
            "{}",
            count(Entity::Batch)
        );
    }

    #[test]
    fn the_same_seed_and_clock_give_the_same_lab() {
        for entity in Entity::ALL {
            assert_eq!(
                tiny(5).snapshot(entity),
                tiny(5).snapshot(entity),
                "{entity}"
            );
        }
        assert_ne!(
            tiny(5).snapshot(Entity::Test),
            tiny(6).snapshot(Entity::Test)
        );
    }

    #[test]
    fn the_lab_does_not_depend_on_how_the_clock_was_moved() {
        let mut at_once = tiny(3);
        let mut hourly = tiny(3);
        at_once.advance(Duration::from_secs(3 * 86_400));
        for _ in 0..72 {
            hourly.advance(Duration::from_secs(3600));
        }
        for entity in Entity::ALL {
            assert_eq!(
                at_once.snapshot(entity),
                hourly.snapshot(entity),
                "{entity}"
            );
        }
    }

    #[test]
    fn old_tests_are_reported_and_recent_ones_still_in_work() {
        let lab = tiny(2);
        let (mut old_done, mut old, mut recent_open, mut recent) = (0, 0, 0, 0);
        for i in lab.live_indices(Entity::Test) {
            let age = lab.now.secs() - lab.records.tests[i as usize].created.secs();
            let state = lab.records.test_view(i, lab.now).state;
            let done = matches!(
                state,
                TestState::Reported | TestState::NotReportable | TestState::Cancelled
            );
            if age > 40 * DAY {
                old += 1;
                old_done += usize::from(done || state == TestState::OnHold);
            } else if age < DAY {
                recent += 1;
                recent_open += usize::from(!done);
            }
        }
        assert!(
            old > 0 && old_done == old,
            "{old_done} of {old} old tests settled"
        );
        assert!(
            recent == 0 || recent_open * 10 >= recent * 8,
            "{recent_open} of {recent}"
        );
    }

    #[test]
    fn most_reports_come_one_to_four_days_after_creation() {
        let lab = tiny(4);
        let turnarounds: Vec<i64> = lab
            .live_indices(Entity::Test)
            .filter_map(|i| {
                let t = &lab.records.tests[i as usize];
                t.reported
                    .by(lab.now)
                    .then(|| t.reported.secs() - t.created.secs())
            })
            .collect();
        let typical = turnarounds
            .iter()
            .filter(|&&s| (DAY..=4 * DAY).contains(&s))
            .count();
        assert!(
            typical * 10 >= turnarounds.len() * 6,
            "{typical} of {}",
            turnarounds.len()
        );
        assert!(
            turnarounds.iter().any(|&s| s > 10 * DAY),
            "a long tail exists"
        );
    }

    #[test]
    fn moving_the_clock_reports_new_updated_and_deleted_records() {
        let mut lab = tiny(8);
        let summary = lab.advance(Duration::from_secs(7 * 86_400));
        assert!(!summary.order.new.is_empty());
        assert!(!summary.test.new.is_empty());
        assert!(!summary.test.updated.is_empty());
        let deleted: usize = Entity::ALL
            .iter()
            .map(|&e| summary.of(e).deleted.len())
            .sum();
        assert!(deleted > 0, "a week brings at least one deletion");
        for &id in &summary.test.deleted {
            assert!(lab.records.find(Entity::Test, id, lab.now).is_none());
        }
    }

    #[test]
    fn deleting_a_sample_deletes_its_tests_and_updates_its_order() {
        let mut lab = tiny(9);
        let sample = lab.live_indices(Entity::Sample).last().unwrap();
        let sample_id = crate::lab::id_of(Entity::Sample, sample);
        let summary = lab.delete(Entity::Sample, &[sample_id]).unwrap();
        assert_eq!(summary.sample.deleted, vec![sample_id]);
        let tests = u64::from(lab.records.samples[sample as usize].test_count);
        assert_eq!(summary.test.deleted.len() as u64, tests);
        let order = crate::lab::id_of(Entity::Order, lab.records.samples[sample as usize].order);
        assert!(summary.order.updated.contains(&order));
        assert!(lab.delete(Entity::Sample, &[sample_id]).is_err());
    }
}
