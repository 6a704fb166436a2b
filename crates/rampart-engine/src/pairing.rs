//! Location pairing: when two observations of different rules are one problem.
//!
//! Every code, secret, IaC and dependency observation gets an [`Anchor`]: the site it is
//! about (a normalized file path, or a versionless purl), its class (weakness class, IaC
//! property, or the vulnerability ids), and its span (lines, and for secrets the value's
//! columns and keyed hash). [`pair_evidence`] decides whether a new observation describes
//! the same problem as an earlier one and says why, in words stored with the observation.
//!
//! Rules (none names a file, a line or a finding of any particular application):
//! - same site, always; never two statements of one tool's one rule (the tool told them apart);
//! - code: the same weakness class, and the same start line, or overlapping spans of at most
//!   [`STATEMENT_LINES`] lines (one statement);
//! - secrets (and SAST rules of the `hardcoded-secret` class): the same start line, or a
//!   block of [`SECRET_BLOCK_LINES`] or more lines (a private key) holding the other; where
//!   both tools give the value's columns on one line they must overlap, where both give the
//!   value's keyed hash it must be equal: two secrets on one line stay two;
//! - IaC: the same checked property, and overlapping spans (a block-level finding contains the
//!   attribute-level ones) or a file-level finding without lines;
//! - dependencies: the same package, and one's primary vulnerability id among the other's
//!   aliases.

use crate::checks::iac_class;
use crate::weakness::{SECRET_CLASS, weakness_class};
use rampart_model::identity::{primary_vuln, versionless_purl};
use rampart_model::path::normalize_path;
use rampart_model::{FindingKind, Location, Observation};
use serde::{Deserialize, Serialize};

/// Longest span (in lines) still treated as one statement for code findings that do not
/// start on the same line.
pub const STATEMENT_LINES: u32 = 3;

/// Shortest span (in lines) treated as a multi-line secret block (a private key) that
/// contains the findings of tools reporting only one of its lines.
pub const SECRET_BLOCK_LINES: u32 = 3;

/// What an observation offers for pairing; stored with it (in its JSON `correlation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// `code`, `secret`, `iac` or `dep`: which rules apply.
    pub kind: String,
    /// The normalized file path, or the versionless purl.
    pub site: String,
    /// Weakness class, IaC property; empty for dependencies.
    pub class: String,
    /// Why the class (`rule-equivalence: ...`, `CWE-564 ⊂ CWE-89`, `own rule`).
    pub class_evidence: String,
    /// Vulnerability ids (dependencies), upper case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u32>,
    /// Last line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<u32>,
    /// Value columns on a one-line secret finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<(u32, u32)>,
    /// Keyed hash of the secret value, when the tool gave the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac: Option<String>,
    /// Tool.
    pub tool: String,
    /// The tool's rule.
    pub rule: String,
}

/// The anchor of an observation, or `None` for kinds whose identity key is already
/// canonical (web, license) or that have nothing to pair on.
pub fn anchor_of(obs: &Observation) -> Option<Anchor> {
    let base = |kind: &str, site: String, class: String, why: String| Anchor {
        kind: kind.into(),
        site,
        class,
        class_evidence: why,
        ids: Vec::new(),
        start: None,
        end: None,
        columns: None,
        hmac: None,
        tool: obs.tool.name.clone(),
        rule: obs.rule_id.clone(),
    };
    match (&obs.kind, &obs.location) {
        (FindingKind::Dependency, Location::Package(p)) => {
            if obs.vuln_ids.is_empty() {
                return None;
            }
            let site = match p.purl.as_deref() {
                Some(purl) if purl.starts_with("pkg:") => versionless_purl(purl),
                _ => format!(
                    "{}/{}",
                    p.ecosystem.as_deref().unwrap_or("").to_ascii_lowercase(),
                    p.name.to_ascii_lowercase()
                ),
            };
            let mut a = base("dep", site, String::new(), String::new());
            // The primary id (the one the identity key uses) first, then the aliases.
            let primary = primary_vuln(obs).to_ascii_uppercase();
            a.ids = std::iter::once(primary.clone())
                .chain(
                    obs.vuln_ids
                        .iter()
                        .map(|v| v.0.to_ascii_uppercase())
                        .filter(|v| *v != primary),
                )
                .collect();
            Some(a)
        }
        (FindingKind::Iac, Location::Resource(r)) => {
            let file = r.file.as_deref()?;
            let (class, why) = iac_class(obs);
            let mut a = base("iac", normalize_path(file), class, why);
            a.start = r.start_line;
            a.end = r.end_line.or(r.start_line);
            Some(a)
        }
        (FindingKind::Iac | FindingKind::Code | FindingKind::Secret, Location::Code(c)) => {
            let (kind, class, why) = if obs.kind == FindingKind::Iac {
                let (c, w) = iac_class(obs);
                ("iac", c, w)
            } else {
                let w = weakness_class(obs);
                let kind = if w.name == SECRET_CLASS {
                    "secret"
                } else {
                    "code"
                };
                (kind, w.name, w.evidence)
            };
            let mut a = base(kind, normalize_path(&c.path), class, why);
            a.start = c.start_line;
            a.end = c.end_line.or(c.start_line);
            if kind == "secret"
                && a.start == a.end
                && let (Some(s), Some(e)) = (c.start_column, c.end_column)
            {
                a.columns = Some((s, e.max(s)));
            }
            a.hmac = obs.secret.as_ref().and_then(|s| s.hmac.clone());
            Some(a)
        }
        _ => None,
    }
}

/// An [`Anchor`] by reference: what pairing reads (the correlator keeps anchors in a compact
/// form and lends them out like this).
#[derive(Debug, Clone, Copy)]
pub struct AnchorRef<'a> {
    /// See [`Anchor::kind`].
    pub kind: &'a str,
    /// See [`Anchor::site`].
    pub site: &'a str,
    /// See [`Anchor::class`].
    pub class: &'a str,
    /// See [`Anchor::class_evidence`].
    pub class_evidence: &'a str,
    /// See [`Anchor::ids`].
    pub ids: &'a [String],
    /// See [`Anchor::start`].
    pub start: Option<u32>,
    /// See [`Anchor::end`].
    pub end: Option<u32>,
    /// See [`Anchor::columns`].
    pub columns: Option<(u32, u32)>,
    /// See [`Anchor::hmac`].
    pub hmac: Option<&'a str>,
    /// See [`Anchor::tool`].
    pub tool: &'a str,
    /// See [`Anchor::rule`].
    pub rule: &'a str,
}

impl Anchor {
    /// This anchor by reference.
    pub fn as_ref(&self) -> AnchorRef<'_> {
        AnchorRef {
            kind: &self.kind,
            site: &self.site,
            class: &self.class,
            class_evidence: &self.class_evidence,
            ids: &self.ids,
            start: self.start,
            end: self.end,
            columns: self.columns,
            hmac: self.hmac.as_deref(),
            tool: &self.tool,
            rule: &self.rule,
        }
    }
}

impl AnchorRef<'_> {
    fn place(&self) -> String {
        match (self.start, self.end) {
            (Some(s), Some(e)) if e > s => format!("{}:{s}-{e}", self.site),
            (Some(s), _) => format!("{}:{s}", self.site),
            _ => self.site.to_string(),
        }
    }
}

/// How well two spans agree: `None` when they do not overlap, else a distance (0 = equal).
fn span_distance(a: &AnchorRef, b: &AnchorRef) -> Option<u32> {
    let (Some(s1), Some(s2)) = (a.start, b.start) else {
        return None;
    };
    let e1 = a.end.unwrap_or(s1).max(s1);
    let e2 = b.end.unwrap_or(s2).max(s2);
    if s1 > e2 || s2 > e1 {
        return None;
    }
    Some(s1.abs_diff(s2) + e1.abs_diff(e2))
}

/// What made a pair: the location evidence, for [`explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Dependencies: the primary id of one is an alias of the other (index into new's ids,
    /// or `None`: old's primary).
    Alias(Option<usize>),
    /// Same start line.
    SameLine,
    /// Overlapping short spans (one statement).
    Statement,
    /// A multi-line secret block holds the other.
    SecretBlock,
    /// IaC: a block contains or overlaps the other.
    Contains,
    /// IaC: a finding without lines (the whole file).
    FileLevel,
}

/// Whether `new` is the same problem as the earlier `old`, without allocating: a score
/// (lower is a closer match) and the location evidence, or `None`.
pub fn pair_score(new: &AnchorRef, old: &AnchorRef) -> Option<(u32, Why)> {
    if new.kind != old.kind || new.site != old.site {
        return None;
    }
    if new.tool == old.tool && new.rule == old.rule {
        return None;
    }
    if new.kind == "dep" {
        // One's primary id is among the other's aliases (two advisories that merely share a
        // third id are not enough).
        return match (new.ids.first(), old.ids.first()) {
            (Some(a), _) if old.ids.contains(a) => Some((0, Why::Alias(Some(0)))),
            (_, Some(b)) if new.ids.contains(b) => Some((0, Why::Alias(None))),
            _ => None,
        };
    }
    if new.class != old.class {
        return None;
    }
    match new.kind {
        "secret" => {
            if let (Some(a), Some(b)) = (new.hmac, old.hmac)
                && a != b
            {
                return None;
            }
            let d = span_distance(new, old)?;
            // The same line, or a multi-line secret (a key block) holding the other's start.
            let block_holds = |a: &AnchorRef, b: &AnchorRef| {
                a.end.zip(a.start).is_some_and(|(e, s)| {
                    e.saturating_sub(s) + 1 >= SECRET_BLOCK_LINES
                        && b.start.is_some_and(|bs| bs >= s && bs <= e)
                })
            };
            if new.start == old.start {
                if let (Some((a1, a2)), Some((b1, b2))) = (new.columns, old.columns)
                    && (a1 > b2 || b1 > a2)
                {
                    return None;
                }
                Some((d, Why::SameLine))
            } else if block_holds(new, old) || block_holds(old, new) {
                Some((d, Why::SecretBlock))
            } else {
                None
            }
        }
        "iac" => match span_distance(new, old) {
            Some(0) => Some((0, Why::SameLine)),
            Some(d) => Some((d, Why::Contains)),
            None if new.start.is_none() || old.start.is_none() => Some((1000, Why::FileLevel)),
            None => None,
        },
        _ => {
            let d = span_distance(new, old)?;
            if new.start == old.start {
                return Some((d, Why::SameLine));
            }
            let long = |a: &AnchorRef| {
                a.end
                    .zip(a.start)
                    .is_some_and(|(e, s)| e.saturating_sub(s) + 1 > STATEMENT_LINES)
            };
            if long(new) || long(old) {
                None
            } else {
                Some((d, Why::Statement))
            }
        }
    }
}

/// The evidence of a pair [`pair_score`] accepted, in words.
pub fn explain(new: &AnchorRef, old: &AnchorRef, why: Why) -> Vec<String> {
    let partner = format!("with {} {} at {}", old.tool, old.rule, old.place());
    if let Why::Alias(i) = why {
        let shared = match i {
            Some(i) => new.ids.get(i),
            None => old.ids.first(),
        };
        return vec![
            format!("same package {}", new.site),
            format!(
                "shared vulnerability id {}",
                shared.map(String::as_str).unwrap_or("?")
            ),
            partner,
        ];
    }
    let mut evidence = vec![format!(
        "same {} {} ({}; {})",
        if new.kind == "iac" {
            "checked property"
        } else {
            "weakness class"
        },
        new.class,
        new.class_evidence,
        old.class_evidence
    )];
    if new.hmac.is_some() && new.hmac == old.hmac {
        evidence.push("same secret hash".into());
    }
    if new.columns.is_some() && old.columns.is_some() && new.start == old.start {
        evidence.push("overlapping value span".into());
    }
    evidence.push(
        match why {
            Why::SameLine if new.kind == "iac" => "same lines",
            Why::SameLine => "same line",
            Why::Statement => "same statement span",
            Why::SecretBlock => "inside the same secret block",
            Why::Contains => "one span contains or overlaps the other",
            Why::FileLevel => "file-level check",
            Why::Alias(_) => "",
        }
        .to_string(),
    );
    evidence.push(partner);
    evidence
}

/// [`pair_score`] and [`explain`] together.
pub fn pair_evidence(new: &Anchor, old: &Anchor) -> Option<(u32, Vec<String>)> {
    let (n, o) = (new.as_ref(), old.as_ref());
    let (score, why) = pair_score(&n, &o)?;
    Some((score, explain(&n, &o, why)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::CodeLocation;

    fn code(tool: &str, rule: &str, cwe: Option<u32>, line: u32) -> Observation {
        let mut o = Observation::new(
            tool,
            FindingKind::Code,
            rule,
            "t",
            Location::Code(CodeLocation {
                path: "./app/db.py".into(),
                start_line: Some(line),
                end_line: Some(line),
                ..Default::default()
            }),
        );
        o.cwes = cwe.into_iter().collect();
        o
    }

    #[test]
    fn same_weakness_on_one_line_pairs_and_different_ones_do_not() {
        let bandit = anchor_of(&code("bandit", "B608", Some(89), 19)).unwrap();
        let semgrep = anchor_of(&code(
            "semgrep",
            "python.lang.security.audit.formatted-sql-query.formatted-sql-query",
            Some(89),
            19,
        ))
        .unwrap();
        assert_eq!(bandit.site, "app/db.py");
        let (score, why) = pair_evidence(&semgrep, &bandit).unwrap();
        assert_eq!(score, 0);
        assert!(why.iter().any(|w| w.contains("sql-injection")), "{why:?}");
        // A different weakness on the same line stays apart.
        let http = anchor_of(&code("semgrep", "request-with-http", Some(319), 19)).unwrap();
        let timeout = anchor_of(&code("bandit", "B113", Some(400), 19)).unwrap();
        assert!(pair_evidence(&http, &timeout).is_none());
        // The same weakness elsewhere in the file stays apart.
        let other = anchor_of(&code("bandit", "B608", Some(89), 40)).unwrap();
        assert!(pair_evidence(&semgrep, &other).is_none());
        // One tool's one rule twice is two statements.
        let again = anchor_of(&code("bandit", "B608", Some(89), 19)).unwrap();
        assert!(pair_evidence(&again, &bandit).is_none());
    }

    #[test]
    fn iac_pairs_by_checked_property_and_block_containment() {
        let iac = |tool: &str, rule: &str, lines: Option<(u32, u32)>| {
            anchor_of(&Observation::new(
                tool,
                FindingKind::Iac,
                rule,
                "t",
                Location::Resource(rampart_model::ResourceLocation {
                    file: Some("/infra/s3.tf".into()),
                    resource: "aws_s3_bucket.data".into(),
                    start_line: lines.map(|l| l.0),
                    end_line: lines.map(|l| l.1),
                }),
            ))
            .unwrap()
        };
        // Checkov reports the whole bucket block, Trivy the attribute inside it.
        let block = iac("checkov", "CKV_AWS_19", Some((1, 30)));
        let attr = iac("trivy", "AVD-AWS-0088", Some((12, 14)));
        let (_, why) = pair_evidence(&attr, &block).unwrap();
        assert!(
            why[0].contains("aws_s3_bucket:server-side-encryption"),
            "{why:?}"
        );
        // Versioning is another property of the same bucket.
        let versioning = iac("trivy", "AVD-AWS-0090", Some((12, 14)));
        assert!(pair_evidence(&versioning, &block).is_none());
        // The same property of another bucket further down the file.
        let other = iac("trivy", "AVD-AWS-0088", Some((40, 42)));
        assert!(pair_evidence(&other, &block).is_none());
        // A file-level finding without lines pairs with the same property.
        let no_line = iac("trivy", "DS-0026", None);
        let whole = iac("checkov", "CKV_DOCKER_2", Some((1, 20)));
        assert!(pair_evidence(&no_line, &whole).is_some());
        assert!(pair_evidence(&iac("trivy", "DS-0002", None), &whole).is_none());
    }

    #[test]
    fn two_secrets_on_one_line_stay_two() {
        let secret = |tool: &str, cols: (u32, u32), hmac: Option<&str>| {
            let mut o = Observation::new(
                tool,
                FindingKind::Secret,
                "generic",
                "t",
                Location::Code(CodeLocation {
                    path: "cfg.py".into(),
                    start_line: Some(3),
                    end_line: Some(3),
                    start_column: Some(cols.0),
                    end_column: Some(cols.1),
                }),
            );
            o.secret = hmac.map(|h| rampart_model::SecretEvidence {
                hmac: Some(h.into()),
                preview: None,
            });
            anchor_of(&o).unwrap()
        };
        let a = secret("gitleaks", (5, 20), None);
        let b = secret("trufflehog", (30, 50), None);
        let c = secret("trufflehog", (8, 18), None);
        assert!(pair_evidence(&b, &a).is_none());
        assert!(pair_evidence(&c, &a).is_some());
        let h1 = secret("trivy", (5, 20), Some("aa"));
        let h2 = secret("gitleaks", (5, 20), Some("bb"));
        assert!(pair_evidence(&h2, &h1).is_none());
    }
}
