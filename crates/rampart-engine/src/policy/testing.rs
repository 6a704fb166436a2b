//! `rampart policy test`: runs every `test_*` rule the way `opa test` does. A test passes
//! when its rule is true; it fails when it is false or undefined, and errors when it cannot
//! be evaluated.

use super::bundle::PolicySource;
use super::error::{PolicyError, locate};
use super::eval::{load, package_of};
use regorus::Value;
use serde::Serialize;

/// How one test went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "outcome", content = "detail")]
pub enum TestOutcome {
    /// The rule is true.
    Pass,
    /// The rule is false or undefined.
    Fail,
    /// The rule could not be evaluated: why, with file and line.
    Error(String),
}

/// One test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestResult {
    /// Package (`rampart.kev_test`).
    pub package: String,
    /// Rule name (`test_kev_in_production_denied`).
    pub name: String,
    /// File.
    pub file: String,
    /// Line of the rule's head.
    pub line: u32,
    /// Outcome.
    #[serde(flatten)]
    pub outcome: TestOutcome,
}

impl TestResult {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.outcome == TestOutcome::Pass
    }
}

/// The `test_*` rules a file declares at the start of a line, with their lines, once each.
fn test_rules(text: &str) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, i as u32 + 1));
        }
    }
    out
}

/// Loads every source (policies and tests) and runs every test rule, in file order.
pub fn run_tests(sources: &[PolicySource]) -> Result<Vec<TestResult>, PolicyError> {
    let (mut engine, _) = load(sources)?;
    engine.set_input(Value::new_object());
    let files: Vec<&str> = sources.iter().map(|s| s.path.as_str()).collect();
    let mut out = Vec::new();
    for s in sources {
        let Some(package) = package_of(&s.text) else {
            continue;
        };
        for (name, line) in test_rules(&s.text) {
            let path = format!("data.{package}.{name}");
            let outcome = match engine.eval_rule(path) {
                Ok(Value::Bool(true)) => TestOutcome::Pass,
                Ok(_) => TestOutcome::Fail,
                Err(e) => {
                    let msg = format!("{e:#}");
                    TestOutcome::Error(match locate(&msg, &files) {
                        Some((f, l, m)) => format!("{f}:{l}: {m}"),
                        None => format!("{}:{line}: {msg}", s.path),
                    })
                }
            };
            out.push(TestResult {
                package: package.clone(),
                name,
                file: s.path.clone(),
                line,
                outcome,
            });
        }
    }
    Ok(out)
}
