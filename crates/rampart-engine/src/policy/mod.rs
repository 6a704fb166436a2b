//! Policies as code (issue 6): Rego evaluated with `regorus`, in the style Conftest and OPA
//! users write (`deny contains msg if { ... }`, `warn contains msg if { ... }`), over the
//! [`PolicyInput`] of one issue. A message is a string, or an object with a `msg` member and
//! any other fields (kept as the result's `details`).
//!
//! Every package of the policy set is evaluated: its `deny` rule fails the gate, its `warn`
//! rule is reported. The default bundle ([`default_bundle`]) is compiled into the binary;
//! users add their own files. Test rules (`test_*`, in `*_test.rego` files) run with
//! [`run_tests`], the way `opa test` runs them.
//!
//! Pure: the caller reads the files and hands over their text; nothing here does IO.

mod bundle;
mod error;
mod eval;
pub mod input;
mod testing;

pub use bundle::{PolicySource, default_bundle};
pub use error::PolicyError;
pub use eval::{Level, PolicyResult, PolicySet};
pub use input::{Change, PolicyInput};
pub use testing::{TestOutcome, TestResult, run_tests};

#[cfg(test)]
mod tests;
