//! Rampart's vocabulary as plain types.
//!
//! This crate owns the normalized schema every other crate speaks: [`Observation`] (one tool's
//! statement of one problem), [`Issue`] (the correlated problem), [`Severity`], locations,
//! components and the identity keys that decide which observations are the same issue.
//!
//! It must never do IO, never be async and never depend on another Rampart crate.

pub mod access;
pub mod context;
pub mod entities;
pub mod identity;
pub mod ids;
pub mod intel;
pub mod keymap;
pub mod lifecycle;
pub mod location;
pub mod observation;
pub mod path;
pub mod rename;
pub mod severity;

pub use access::{Role, TeamScope};
pub use context::{
    AppProfile, CatalogChange, CompensatingControl, DataClass, Deployment, EnvironmentRule,
    ExploitFacts, Exposure, SlaDays, TriageDecision, TriageRequest, VexStatement, VexStatus,
};
pub use entities::{
    Application, Component, DependencyEdge, Environment, Inventory, Issue, IssueStatus, Scan,
    ScanSummary, Target,
};
pub use identity::{IdentityKey, KeyedObservation, identity_key};
pub use ids::{VulnId, normalize_cwe, normalize_vuln_id};
pub use intel::{EpssScore, KevFacts, VulnIntel};
pub use lifecycle::{Lifecycle, SeenTransition};
pub use location::{
    CodeLocation, ImageLocation, Location, PackageLocation, ResourceLocation, WebLocation,
};
pub use observation::{FindingKind, Observation, SecretEvidence, Suppression, ToolInfo, ToolKind};
pub use severity::{Cvss, CvssVersion, Severity, SeverityInfo};
