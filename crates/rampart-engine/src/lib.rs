//! Rampart's decisions, as pure functions: which issue an observation belongs to
//! ([`correlate`]) and how an issue's state moves when a scan sees it or stops seeing it
//! ([`lifecycle`]), which tools find what ([`overlap`]), how risky an issue is ([`risk`], from
//! inputs gathered by [`risk_input`]) and which VEX statement speaks for it ([`vex`]).
//!
//! This crate must never do IO and never read the clock: time and state are passed in, so
//! every rule is tested with plain unit tests and gives the same answer twice.

pub mod checks;
pub mod compliance;
pub mod correlate;
pub mod lifecycle;
pub mod overlap;
pub mod pairing;
pub mod policy;
pub mod rename;
pub mod risk;
pub mod risk_input;
pub mod sla;
pub mod vex;
pub mod weakness;

pub use correlate::{
    CorrelationNote, Correlator, PriorObservation, Unwritten, content_hash, note_of,
};
pub use lifecycle::DefaultLifecycle;
pub use rampart_model::{KeyedObservation, Lifecycle, SeenTransition};
