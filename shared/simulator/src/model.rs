//! The lab's records as stored: small fixed-size structs holding planned
//! events, never rendered JSON.
//!
//! References between records are indices into the lab's vectors; the ids
//! QBench shows are derived from them (see [`crate::lab::id_of`]).

use crate::clock::LabTime;

/// Marks a test that belongs to no batch.
pub(crate) const NO_BATCH: u32 = u32::MAX;

/// A customer account.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub(crate) created: LabTime,
    /// Older accounts show `date_created: null`, as real tenants do.
    pub(crate) shows_created: bool,
    /// A later edit of the account (address, contacts), if any.
    pub(crate) edited: LabTime,
    pub(crate) deleted: LabTime,
    /// The last change made by hand or by a child's deletion.
    pub(crate) touched: LabTime,
}

/// An order: one submission of samples by a customer.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) customer: u32,
    pub(crate) created: LabTime,
    pub(crate) received: LabTime,
    /// Its samples are `first_sample .. first_sample + sample_count`.
    pub(crate) first_sample: u32,
    pub(crate) sample_count: u16,
    /// Minutes between the last sample report and the order report.
    pub(crate) report_lag_minutes: u16,
    pub(crate) deleted: LabTime,
    pub(crate) touched: LabTime,
}

/// A sample of an order.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) order: u32,
    pub(crate) created: LabTime,
    /// Its tests are `first_test .. first_test + test_count`.
    pub(crate) first_test: u32,
    pub(crate) test_count: u8,
    pub(crate) matrix: u8,
    pub(crate) sample_type: u8,
    pub(crate) deleted: LabTime,
    pub(crate) touched: LabTime,
}

/// One assay run on one sample.
#[derive(Debug, Clone)]
pub(crate) struct Test {
    pub(crate) sample: u32,
    pub(crate) assay: u8,
    pub(crate) fate: Fate,
    pub(crate) batch: u32,
    pub(crate) created: LabTime,
    pub(crate) started: LabTime,
    pub(crate) completed: LabTime,
    pub(crate) reported: LabTime,
    pub(crate) deleted: LabTime,
    pub(crate) touched: LabTime,
}

/// A batch: tests of one assay prepared and run together.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    pub(crate) assay: u8,
    /// The first member's start; the batch is invisible before it.
    pub(crate) created: LabTime,
    /// When the batch stopped taking members (`NEVER` while open).
    pub(crate) closed: LabTime,
    pub(crate) capacity: u8,
    pub(crate) tests: Vec<u32>,
    pub(crate) deleted: LabTime,
}

/// How a test's life ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Started, completed and reported.
    Reported,
    /// Completed but not reportable.
    NotReportable,
    /// Cancelled when it would have started.
    Cancelled,
    /// Put on hold shortly after starting, and left there.
    OnHold,
}

/// One assay of the lab's catalogue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assay {
    pub(crate) label: &'static str,
    pub(crate) title: &'static str,
    /// Relative frequency among a sample's tests.
    pub(crate) weight: u32,
}

/// The lab's assays; an assay's id is its position plus one.
pub(crate) const ASSAYS: [Assay; 16] = [
    assay("CN", "Cannabinoid Potency", 100),
    assay("MB", "Microbial Contaminants", 45),
    assay("TP", "Terpene Profile", 35),
    assay("MY", "Mycotoxins", 30),
    assay("HM", "Heavy Metals", 30),
    assay("FFM", "Filth and Foreign Material", 20),
    assay("HO", "Homogeneity", 8),
    assay("HLVd", "Hop Latent Viroid", 6),
    assay("MC", "Moisture Content", 25),
    assay("PS", "Pesticides", 35),
    assay("PN", "Pathogens", 12),
    assay("RS", "Residual Solvents", 20),
    assay("ST", "Stability", 4),
    assay("SP", "Species Identification", 3),
    assay("WA", "Water Activity", 25),
    assay("YM", "Yeast and Mold", 30),
];

const fn assay(label: &'static str, title: &'static str, weight: u32) -> Assay {
    Assay {
        label,
        title,
        weight,
    }
}

/// Matrix types a sample can have.
pub(crate) const MATRIX_TYPES: [&str; 9] = [
    "Flower",
    "Cured Flower/Kief",
    "Concentrate",
    "Edible",
    "Vape Cartridge",
    "Pre-Roll",
    "Tincture",
    "Topical",
    "Plant Material",
];

/// Sample types, QBench's accessioning types, as `(id, value)`.
pub(crate) const SAMPLE_TYPES: [(u32, &str); 4] = [
    (1, "Medical"),
    (2, "R&D"),
    (3, "Adult Use"),
    (4, "Compliance"),
];
