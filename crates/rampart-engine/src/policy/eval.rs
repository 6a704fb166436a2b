//! A loaded policy set and its evaluation over one input.

use super::bundle::PolicySource;
use super::error::{PolicyError, locate};
use super::input::PolicyInput;
use regorus::{Engine, Value};
use serde::Serialize;

/// Whether a result fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported, does not fail.
    Warn,
    /// Fails the gate.
    Deny,
}

impl Level {
    /// `warn` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// One message a policy produced for one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    /// `deny` or `warn`.
    pub level: Level,
    /// The Rego package (`rampart.kev`).
    pub package: String,
    /// A name for the rule: the message's `policy` field when it has one, else the package.
    pub policy: String,
    /// The file that declares the package.
    pub file: String,
    /// The message.
    pub msg: String,
    /// The message object's other fields (`{}` for a string message).
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// One Rego package with the rules the gate reads.
#[derive(Debug, Clone)]
struct Package {
    /// `rampart.kev` (without `data.`).
    name: String,
    /// The first file that declared it.
    file: String,
    deny: bool,
    warn: bool,
}

/// Policies loaded and ready to evaluate, input after input.
#[derive(Clone)]
pub struct PolicySet {
    engine: Engine,
    packages: Vec<Package>,
    files: Vec<String>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("files", &self.files)
            .finish()
    }
}

/// Regorus's error message in full (its chain), for locating and reporting.
fn message(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// Loads `sources` into a fresh engine: every file parses or the first that does not is named.
pub(crate) fn load(
    sources: &[PolicySource],
) -> Result<(Engine, Vec<(String, String)>), PolicyError> {
    let mut engine = Engine::new();
    engine.set_strict_builtin_errors(true);
    let mut packages = Vec::new();
    for s in sources {
        let pkg = engine
            .add_policy(s.path.clone(), s.text.clone())
            .map_err(|e| load_error(&e, &s.path))?;
        let name = pkg.strip_prefix("data.").unwrap_or(&pkg).to_string();
        packages.push((name, s.path.clone()));
    }
    Ok((engine, packages))
}

fn load_error(e: &anyhow::Error, file: &str) -> PolicyError {
    let msg = message(e);
    match locate(&msg, &[file]) {
        Some((file, line, message)) => PolicyError::Load {
            file,
            line,
            message,
        },
        None => PolicyError::Load {
            file: file.to_string(),
            line: 0,
            message: msg,
        },
    }
}

impl PolicySet {
    /// Loads `sources` (test files, `*_test.rego`, are skipped): each must parse.
    pub fn new(sources: &[PolicySource]) -> Result<PolicySet, PolicyError> {
        let used: Vec<PolicySource> = sources.iter().filter(|s| !s.is_test()).cloned().collect();
        let (mut engine, declared) = load(&used)?;
        let files: Vec<String> = used.iter().map(|s| s.path.clone()).collect();
        let mut packages: Vec<Package> = Vec::new();
        for (name, file) in declared {
            if packages.iter().any(|p| p.name == name) {
                continue;
            }
            packages.push(Package {
                name,
                file,
                deny: false,
                warn: false,
            });
        }
        // Which packages declare `deny` / `warn`: evaluated on an empty input once, so a rule
        // that does not compile with the others fails here, naming its file, not mid-gate.
        engine.set_input(Value::new_object());
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        for p in &mut packages {
            for (rule, flag) in [("deny", &mut p.deny), ("warn", &mut p.warn)] {
                let path = format!("data.{}.{rule}", p.name);
                match engine.eval_rule(path.clone()) {
                    Ok(Value::Undefined) => {}
                    Ok(_) => *flag = true,
                    Err(e) => {
                        let msg = message(&e);
                        // "not a valid rule path": the package has no such rule.
                        if declares(&used, &p.name, rule) {
                            return Err(eval_error(&msg, &path, &p.file, &refs));
                        }
                    }
                }
                if !*flag && declares(&used, &p.name, rule) {
                    *flag = true;
                }
            }
        }
        Ok(PolicySet {
            engine,
            packages,
            files,
        })
    }

    /// The policy files loaded.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The packages that declare `deny` or `warn`.
    pub fn packages(&self) -> Vec<String> {
        self.packages
            .iter()
            .filter(|p| p.deny || p.warn)
            .map(|p| p.name.clone())
            .collect()
    }

    /// Evaluates every package's `deny` and `warn` over `input`; results sorted (deny first,
    /// then package, then message).
    pub fn evaluate(&mut self, input: &PolicyInput) -> Result<Vec<PolicyResult>, PolicyError> {
        let json = serde_json::to_value(input).map_err(|e| PolicyError::Eval {
            file: String::new(),
            line: 0,
            rule: "input".into(),
            message: e.to_string(),
        })?;
        self.evaluate_json(json)
    }

    /// [`evaluate`](Self::evaluate) over any JSON input.
    pub fn evaluate_json(
        &mut self,
        input: serde_json::Value,
    ) -> Result<Vec<PolicyResult>, PolicyError> {
        self.engine.set_input(Value::from(input));
        let refs: Vec<&str> = self.files.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for p in &self.packages {
            for (level, on) in [(Level::Deny, p.deny), (Level::Warn, p.warn)] {
                if !on {
                    continue;
                }
                let path = format!("data.{}.{}", p.name, level.as_str());
                let value = self
                    .engine
                    .eval_rule(path.clone())
                    .map_err(|e| eval_error(&message(&e), &path, &p.file, &refs))?;
                collect(&value, level, p, &mut out);
            }
        }
        out.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then_with(|| a.package.cmp(&b.package))
                .then_with(|| a.msg.cmp(&b.msg))
        });
        Ok(out)
    }
}

/// Whether a file of package `pkg` declares rule `rule` at the start of a line.
fn declares(sources: &[PolicySource], pkg: &str, rule: &str) -> bool {
    sources.iter().any(|s| {
        package_of(&s.text).as_deref() == Some(pkg)
            && s.text.lines().any(|l| {
                l.strip_prefix(rule)
                    .is_some_and(|r| r.starts_with([' ', '[', '=', ':', '\t']) || r.is_empty())
            })
    })
}

/// The package a file declares (`package a.b` → `a.b`).
pub(crate) fn package_of(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.trim().to_string())
}

fn eval_error(msg: &str, rule: &str, package_file: &str, files: &[&str]) -> PolicyError {
    match locate(msg, files) {
        Some((file, line, message)) => PolicyError::Eval {
            file,
            line,
            rule: rule.to_string(),
            message,
        },
        None => PolicyError::Eval {
            file: package_file.to_string(),
            line: 0,
            rule: rule.to_string(),
            message: msg.to_string(),
        },
    }
}

/// The members of a `deny` / `warn` set (or array), as results.
fn collect(value: &Value, level: Level, p: &Package, out: &mut Vec<PolicyResult>) {
    let items: Vec<Value> = match value {
        Value::Set(s) => s.iter().cloned().collect(),
        Value::Array(a) => a.iter().cloned().collect(),
        Value::Undefined | Value::Null => Vec::new(),
        // `deny := "..."` or `deny if ...` (a boolean): one result.
        Value::Bool(false) => Vec::new(),
        other => vec![other.clone()],
    };
    for item in items {
        let json: serde_json::Value = item
            .to_json_str()
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null);
        let (msg, details) = match json {
            serde_json::Value::String(s) => (s, serde_json::Map::new()),
            serde_json::Value::Object(mut m) => {
                let msg = match m.remove("msg") {
                    Some(serde_json::Value::String(s)) => s,
                    Some(other) => other.to_string(),
                    None => serde_json::Value::Object(m.clone()).to_string(),
                };
                (msg, m)
            }
            serde_json::Value::Bool(true) => (
                format!("{} {}", p.name, level.as_str()),
                serde_json::Map::new(),
            ),
            other => (other.to_string(), serde_json::Map::new()),
        };
        let policy = details
            .get("policy")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| p.name.clone());
        out.push(PolicyResult {
            level,
            package: p.name.clone(),
            policy,
            file: p.file.clone(),
            msg,
            details,
        });
    }
}
