//! The weakness-class model: which weakness a code or secret finding describes, in a form
//! shared by every tool.
//!
//! Tools disagree on CWEs for the same finding (a Semgrep rule about a hard-coded Flask
//! `SECRET_KEY` says CWE-489, Bandit's B105 says CWE-259), so the class comes from, in order:
//!
//! 1. the rule-equivalence table (`data/rule-equivalence.json`, ours): a tool's rule listed
//!    under a class reports that class whatever CWE it carries;
//! 2. the tool's first base- or variant-level CWE, climbed up MITRE's research view (`data/cwe-hierarchy.tsv`, derived by
//!    `scripts/gen-cwe-hierarchy.py`) through base and variant weaknesses until a CWE the
//!    table lists for a class is met (CWE-564, Hibernate SQL injection, is `sql-injection`
//!    through CWE-89), else the topmost base/variant ancestor (`cwe-328`): class- and
//!    pillar-level CWEs are too broad to say two findings are one problem;
//! 3. else the tool's own rule (`rule:bandit:b110`): only that rule matches itself. A
//!    class-level CWE alone (CWE-732, CWE-522) is not enough: it covers many problems that
//!    one tool tells apart by rule (six cookie settings, two container hardening options).

use rampart_model::{FindingKind, Observation};
use serde::Deserialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use xxhash_rust::xxh3::Xxh3;

/// The class every secret-scanner finding belongs to.
pub const SECRET_CLASS: &str = "hardcoded-secret";

/// A weakness class with the evidence it was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeaknessClass {
    /// Canonical name (`sql-injection`, `cwe-328`, `rule:bandit:b110`).
    pub name: String,
    /// Why: `rule-equivalence`, `CWE-89`, `CWE-564 ⊂ CWE-89`, `secret scanner`, `own rule`.
    pub evidence: String,
}

#[derive(Deserialize)]
struct EquivalenceFile {
    classes: Vec<ClassEntry>,
}

#[derive(Deserialize)]
struct ClassEntry {
    class: String,
    #[serde(default)]
    cwe: Vec<u32>,
    #[serde(default)]
    rules: HashMap<String, Vec<String>>,
}

/// The loaded tables.
struct Tables {
    /// Tool → lower-case rule → class (patterns ending in `*` are in `prefixes`).
    exact: HashMap<String, HashMap<String, String>>,
    prefixes: Vec<(String, String, String)>,
    /// CWE → class.
    cwe_class: HashMap<u32, String>,
    /// CWE → (abstraction, parents), primary parent first.
    hierarchy: HashMap<u32, (Abstraction, Vec<u32>)>,
}

/// A CWE's level in MITRE's hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abstraction {
    Pillar,
    Class,
    Base,
    Variant,
    Other,
}

static TABLES: OnceLock<Tables> = OnceLock::new();

const EQUIVALENCE_JSON: &str = include_str!("../data/rule-equivalence.json");
const CWE_TSV: &str = include_str!("../data/cwe-hierarchy.tsv");

fn tables() -> &'static Tables {
    TABLES.get_or_init(|| {
        // The data files are ours and compiled in; a unit test proves they parse.
        let file: EquivalenceFile =
            serde_json::from_str(EQUIVALENCE_JSON).unwrap_or(EquivalenceFile {
                classes: Vec::new(),
            });
        let mut exact = HashMap::new();
        let mut prefixes = Vec::new();
        let mut cwe_class = HashMap::new();
        for c in file.classes {
            for cwe in &c.cwe {
                cwe_class.entry(*cwe).or_insert_with(|| c.class.clone());
            }
            for (tool, rules) in c.rules {
                for r in rules {
                    let r = r.to_ascii_lowercase();
                    match r.strip_suffix('*') {
                        Some(p) => prefixes.push((tool.clone(), p.to_string(), c.class.clone())),
                        None => {
                            exact
                                .entry(tool.clone())
                                .or_insert_with(HashMap::new)
                                .insert(r, c.class.clone());
                        }
                    }
                }
            }
        }
        Tables {
            exact,
            prefixes,
            cwe_class,
            hierarchy: parse_hierarchy(CWE_TSV),
        }
    })
}

fn parse_hierarchy(tsv: &str) -> HashMap<u32, (Abstraction, Vec<u32>)> {
    let mut out = HashMap::new();
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (Some(id), Some(abs), parents) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Ok(id) = id.parse::<u32>() else { continue };
        let abs = match abs {
            "pillar" => Abstraction::Pillar,
            "class" => Abstraction::Class,
            "base" => Abstraction::Base,
            "variant" => Abstraction::Variant,
            _ => Abstraction::Other,
        };
        let parents = parents
            .unwrap_or("")
            .split(',')
            .filter_map(|p| p.parse().ok())
            .collect();
        out.insert(id, (abs, parents));
    }
    out
}

/// The tool names under which the equivalence table lists a tool's rules.
fn table_tool(tool: &str) -> &str {
    match tool {
        "sonarqube" | "sonar" | "sonarcloud" => "sonarqube",
        "snyk-code" | "snyk_code" | "snykcode" => "snyk-code",
        "eslint" | "eslint-security" => "eslint",
        "codeql" | "github-codeql" => "codeql",
        other => other,
    }
}

/// The forms of a lower-case rule id the table may list it under: the whole id, its last
/// dotted segment (Semgrep), the part after `:` (SonarQube) or after the last `/` (Snyk Code).
fn rule_forms(r: &str) -> impl Iterator<Item = &str> {
    [
        Some(r),
        r.rsplit('.').next().filter(|l| *l != r),
        r.split_once(':').map(|(_, after)| after),
        r.rsplit_once('/').map(|(_, after)| after),
    ]
    .into_iter()
    .flatten()
}

/// The class the rule-equivalence table gives `tool`'s `rule`, if any.
pub fn table_class(tool: &str, rule: &str) -> Option<&'static str> {
    let t = tables();
    let tool = table_tool(tool);
    // Rule ids are mostly lower case already: a copy only when one is not.
    let lower: Cow<'_, str> = if rule.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(rule.to_ascii_lowercase())
    } else {
        Cow::Borrowed(rule)
    };
    if let Some(rules) = t.exact.get(tool)
        && let Some(c) = rule_forms(&lower).find_map(|form| rules.get(form))
    {
        return Some(c.as_str());
    }
    t.prefixes
        .iter()
        .find(|(tt, p, _)| tt == tool && lower.starts_with(p.as_str()))
        .map(|(_, _, c)| c.as_str())
}

/// The class a CWE stands for, with the chain that led there (`CWE-564 ⊂ CWE-89`).
pub fn cwe_class(cwe: u32) -> (String, String) {
    let t = tables();
    let mut current = cwe;
    let mut chain = vec![cwe];
    loop {
        if let Some(c) = t.cwe_class.get(&current) {
            return (c.clone(), render_chain(&chain));
        }
        let Some((abs, parents)) = t.hierarchy.get(&current) else {
            break;
        };
        if matches!(abs, Abstraction::Pillar | Abstraction::Class) && current != cwe {
            break;
        }
        // Climb only from base/variant weaknesses, to a parent that is not a pillar.
        let next = parents.iter().copied().find(|p| {
            t.hierarchy
                .get(p)
                .is_some_and(|(a, _)| !matches!(a, Abstraction::Pillar))
        });
        match (abs, next) {
            (Abstraction::Base | Abstraction::Variant, Some(p)) if !chain.contains(&p) => {
                if t.cwe_class.contains_key(&p)
                    || t.hierarchy
                        .get(&p)
                        .is_some_and(|(a, _)| matches!(a, Abstraction::Base | Abstraction::Variant))
                {
                    chain.push(p);
                    current = p;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    (format!("cwe-{current}"), render_chain(&chain))
}

/// Whether a CWE is a base or variant weakness (specific enough to name one problem).
pub fn is_specific(cwe: u32) -> bool {
    tables()
        .hierarchy
        .get(&cwe)
        .is_some_and(|(a, _)| matches!(a, Abstraction::Base | Abstraction::Variant))
}

fn render_chain(chain: &[u32]) -> String {
    chain
        .iter()
        .map(|c| format!("CWE-{c}"))
        .collect::<Vec<_>>()
        .join(" ⊂ ")
}

/// Classes remembered per thread, by [`class_inputs`]: a report states a few hundred rules
/// many times over, and deriving a class (the table's rule forms, the CWE climb, the evidence
/// text) costs more than a look-up. Cleared when full, so a report of endless distinct rules
/// keeps it bounded.
const MEMO_LIMIT: usize = 4096;

thread_local! {
    static MEMO: RefCell<HashMap<u128, WeaknessClass>> = RefCell::new(HashMap::new());
}

/// A 128-bit digest of what [`derive_class`] reads: whether the finding is a secret, its
/// tool, rule and CWEs (lengths included, so no two inputs share a byte stream).
fn class_inputs(obs: &Observation) -> u128 {
    let mut h = Xxh3::new();
    h.update(&[u8::from(obs.kind == FindingKind::Secret)]);
    for text in [&obs.tool.name, &obs.rule_id] {
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    for cwe in &obs.cwes {
        h.update(&cwe.to_le_bytes());
    }
    h.digest128()
}

/// The weakness class of a code or secret observation.
pub fn weakness_class(obs: &Observation) -> WeaknessClass {
    let key = class_inputs(obs);
    if let Some(known) = MEMO.with_borrow(|m| m.get(&key).cloned()) {
        return known;
    }
    let class = derive_class(obs);
    MEMO.with_borrow_mut(|m| {
        if m.len() >= MEMO_LIMIT {
            m.clear();
        }
        m.insert(key, class.clone());
    });
    class
}

/// [`weakness_class`], worked out.
fn derive_class(obs: &Observation) -> WeaknessClass {
    if obs.kind == FindingKind::Secret {
        return WeaknessClass {
            name: SECRET_CLASS.into(),
            evidence: "secret scanner".into(),
        };
    }
    if let Some(c) = table_class(&obs.tool.name, &obs.rule_id) {
        return WeaknessClass {
            name: c.to_string(),
            evidence: format!("rule-equivalence: {} {} is {c}", obs.tool.name, obs.rule_id),
        };
    }
    // Only a specific CWE (base or variant) says what the problem is; a class-level one
    // (CWE-732 "incorrect permission assignment", CWE-522 "insufficiently protected
    // credentials") covers many problems a tool tells apart by rule.
    if let Some(cwe) = obs.cwes.iter().find(|c| is_specific(**c)) {
        let (name, chain) = cwe_class(*cwe);
        return WeaknessClass {
            name,
            evidence: chain,
        };
    }
    WeaknessClass {
        name: format!(
            "rule:{}:{}",
            obs.tool.name,
            obs.rule_id.to_ascii_lowercase()
        ),
        evidence: "own rule".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_parse() {
        let file: EquivalenceFile = serde_json::from_str(EQUIVALENCE_JSON).unwrap();
        assert!(file.classes.len() >= 15);
        let t = tables();
        assert!(
            t.hierarchy.len() > 900,
            "CWE view 1000 has over 900 weaknesses"
        );
        assert_eq!(t.hierarchy[&89].1, vec![943]);
    }

    #[test]
    fn rules_of_different_tools_meet_in_one_class() {
        assert_eq!(table_class("bandit", "B608"), Some("sql-injection"));
        assert_eq!(
            table_class(
                "semgrep",
                "python.lang.security.audit.formatted-sql-query.formatted-sql-query"
            ),
            Some("sql-injection")
        );
        assert_eq!(
            table_class("sonarqube", "python:S2077"),
            Some("sql-injection")
        );
        assert_eq!(
            table_class("snyk-code", "python/Sqli"),
            Some("sql-injection")
        );
        assert_eq!(table_class("gosec", "G201"), Some("sql-injection"));
        assert_eq!(
            table_class(
                "semgrep",
                "generic.secrets.gitleaks.generic-api-key.generic-api-key"
            ),
            Some(SECRET_CLASS)
        );
        assert_eq!(table_class("bandit", "B110"), None);
    }

    #[test]
    fn remembered_classes_are_the_classes_derived() {
        use rampart_model::{CodeLocation, Location};
        let finding = |kind, tool: &str, rule: &str, cwes: &[u32]| {
            let mut o = Observation::new(
                tool,
                kind,
                rule,
                "t",
                Location::Code(CodeLocation {
                    path: "app.py".into(),
                    ..Default::default()
                }),
            );
            o.cwes = cwes.to_vec();
            o
        };
        let cases = [
            finding(FindingKind::Code, "bandit", "B608", &[89]),
            finding(FindingKind::Code, "bandit", "b608", &[]),
            finding(FindingKind::Code, "bandit", "B110", &[703]),
            finding(FindingKind::Code, "bandit", "B110", &[]),
            finding(FindingKind::Code, "codeql", "py/sql-injection", &[564]),
            finding(FindingKind::Code, "codeql", "py/custom", &[564]),
            finding(FindingKind::Code, "codeql", "py/custom", &[732]),
            finding(FindingKind::Secret, "bandit", "B110", &[]),
            finding(FindingKind::Code, "sonarqube", "python:S2077", &[]),
        ];
        // Twice over: the second pass reads what the first remembered.
        for _ in 0..2 {
            for o in &cases {
                assert_eq!(
                    weakness_class(o),
                    derive_class(o),
                    "{} {}",
                    o.tool.name,
                    o.rule_id
                );
            }
        }
        let names: Vec<String> = cases.iter().map(|o| weakness_class(o).name).collect();
        assert_eq!(
            names,
            [
                "sql-injection",
                "sql-injection",
                "rule:bandit:b110",
                "rule:bandit:b110",
                "sql-injection",
                "sql-injection",
                "rule:codeql:py/custom",
                SECRET_CLASS,
                "sql-injection",
            ]
        );
    }

    #[test]
    fn cwes_climb_to_a_class_but_not_past_class_level() {
        assert_eq!(cwe_class(89).0, "sql-injection");
        assert_eq!(cwe_class(564).0, "sql-injection");
        // CWE-319 and CWE-400 are different problems even though both have pillar parents.
        assert_ne!(cwe_class(319).0, cwe_class(400).0);
        // An unlisted base weakness climbs to its topmost base ancestor.
        assert_eq!(cwe_class(1004).0, cwe_class(1004).0);
        assert!(cwe_class(703).0.starts_with("cwe-"));
        assert!(is_specific(89) && is_specific(259) && !is_specific(732) && !is_specific(664));
    }

    #[test]
    fn class_level_cwes_do_not_merge_different_rules() {
        let obs = |rule: &str, cwe: u32| {
            let mut o = Observation::new(
                "semgrep",
                FindingKind::Code,
                rule,
                "t",
                rampart_model::Location::Code(Default::default()),
            );
            o.cwes = vec![cwe];
            o
        };
        assert_ne!(
            weakness_class(&obs("express-cookie-session-no-secure", 522)).name,
            weakness_class(&obs("express-cookie-session-no-httponly", 522)).name
        );
        assert_eq!(
            weakness_class(&obs("some-new-hibernate-rule", 564)).name,
            "sql-injection"
        );
    }
}
