//! Rampart's use cases: what the CLI and the server do, written once.
//!
//! [`ingest`] streams a report through detection, parsing, correlation and the store in one
//! transaction; [`jobs`] queues work (an ingest of a stored report) and runs it in any process
//! sharing the store; [`demo`] loads the demo portfolio shipped in the repository; [`catalog`],
//! [`risk`], [`triage`] and [`vex`] keep business context, scores and decisions current; [`eval`]
//! measures correlation against the corpus's labelled real scans; [`feeds`] imports vulnerability
//! intelligence and [`matching`] matches stored inventories (after an SBOM ingest or a feed import);
//! [`posture`] keeps the daily posture snapshots of the dashboard's trend.
//!
//! This crate must never write SQL (that is `rampart-store`), never decide a rule (that is
//! `rampart-engine`) and never touch the terminal or the network (that is the CLI and server).

pub mod catalog;
pub mod compliance;
pub mod demo;
pub mod eval;
pub mod explain;
pub mod feeds;
pub mod gate;
pub mod gate_sbom;
pub mod ingest;
pub mod jobs;
pub mod matching;
pub mod posture;
pub mod risk;
pub mod sla;
pub mod triage;
pub mod vex;

pub use ingest::{IngestError, IngestOptions, IngestReport, ingest_path, ingest_reader};
