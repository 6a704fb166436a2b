//! What the templates show, computed from store rows: severity classes, dates, counts as bars,
//! issue rows, the percent-encoding of names in links, tool kinds for scan coverage.

use rampart_model::{Issue, IssueStatus, Severity};
use rampart_store::AppCounts;
use time::OffsetDateTime;

/// Severities, critical first, as the templates' CSS classes name them.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// `2026-11-27 13:37` (UTC).
pub fn when(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `2026-11-27` (UTC).
pub fn day(t: OffsetDateTime) -> String {
    when(t)[..10].to_string()
}

/// A status for people: `risk_accepted` → `risk accepted`.
pub fn status_label(s: IssueStatus) -> String {
    s.as_str().replace('_', " ")
}

/// The risk bar's colour class.
pub fn risk_class(score: u8) -> &'static str {
    match score {
        70.. => "r-hi",
        40..70 => "r-mid",
        _ => "r-lo",
    }
}

/// Percent-encodes a path segment or query value (everything but unreserved characters).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One row of an issue table.
#[derive(Debug, Clone)]
pub struct IssueRow {
    /// Issue id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Application.
    pub application: String,
    /// Application, encoded for a link.
    pub application_url: String,
    /// Severity class.
    pub severity: &'static str,
    /// Status (snake case, the CSS class).
    pub status: &'static str,
    /// Status for people.
    pub status_label: String,
    /// Kind.
    pub kind: &'static str,
    /// Risk score.
    pub risk: u8,
    /// Risk bar class.
    pub risk_class: &'static str,
    /// Location.
    pub location: String,
    /// Tools reporting it.
    pub tools: Vec<String>,
    /// First seen (day).
    pub first_seen: String,
}

impl IssueRow {
    /// The row of `i`.
    pub fn of(i: &Issue) -> IssueRow {
        IssueRow {
            id: i.id,
            title: i.title.clone(),
            application: i.application.clone(),
            application_url: enc(&i.application),
            severity: i.severity.as_str(),
            status: i.status.as_str(),
            status_label: status_label(i.status),
            kind: i.kind.as_str(),
            risk: i.risk,
            risk_class: risk_class(i.risk),
            location: i.location.clone(),
            tools: i.tools.clone(),
            first_seen: day(i.first_seen),
        }
    }
}

/// One row of an application table.
#[derive(Debug, Clone)]
pub struct AppRow {
    /// Name.
    pub name: String,
    /// Name, encoded for a link.
    pub url: String,
    /// Owner team.
    pub team: Option<String>,
    /// (severity class, count), critical first.
    pub counts: Vec<(&'static str, u64)>,
    /// (severity class, percent of the open issues) for the stacked bar.
    pub segments: Vec<(&'static str, u64)>,
    /// The counts in words (the bar's tooltip).
    pub counts_title: String,
    /// Open issues.
    pub open: u64,
    /// Highest risk.
    pub max_risk: u8,
}

impl AppRow {
    /// The row of `a`.
    pub fn of(a: &AppCounts) -> AppRow {
        let open = a.open();
        let counts: Vec<(&'static str, u64)> = SEVERITIES
            .iter()
            .copied()
            .zip(a.open_by_severity.iter().copied())
            .collect();
        AppRow {
            name: a.name.clone(),
            url: enc(&a.name),
            team: a.team.clone(),
            segments: segments(&a.open_by_severity),
            counts_title: counts
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", "),
            counts,
            open,
            max_risk: a.max_risk,
        }
    }
}

/// Percent widths of a stacked severity bar (rounded, summing to at most 100).
pub fn segments(counts: &[u64; 5]) -> Vec<(&'static str, u64)> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return Vec::new();
    }
    let mut used = 0;
    SEVERITIES
        .iter()
        .zip(counts.iter())
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| {
            let w = ((n * 100 + total / 2) / total).clamp(1, 100 - used.min(99));
            used += w;
            (*s, w)
        })
        .collect()
}

/// The kinds of scanning the coverage panel shows, in order.
pub const COVERAGE_KINDS: [&str; 6] = [
    "Code (SAST)",
    "Dependencies (SCA)",
    "Secrets",
    "Containers",
    "Infrastructure as code",
    "Web (DAST)",
];

/// Which coverage kind a stream of `tool` on `target` provides. A display grouping of the
/// tools Rampart reads; a scanner of dependencies on a target named like an image reference
/// (`registry/name:tag`) counts as container scanning.
pub fn coverage_kind(tool: &str, target: &str) -> &'static str {
    let t = tool.to_ascii_lowercase();
    let image = target
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':') || last.contains('@'))
        && !target.contains("://");
    let scans_packages = [
        "trivy",
        "grype",
        "osv",
        "snyk",
        "dependency",
        "npm",
        "pip-audit",
        "syft",
        "cyclonedx",
        "spdx",
        "rampart",
        "anchore",
        "clair",
    ]
    .iter()
    .any(|k| t.contains(k));
    if scans_packages && image {
        return "Containers";
    }
    if ["gitleaks", "trufflehog", "detect-secrets", "secret"]
        .iter()
        .any(|k| t.contains(k))
    {
        return "Secrets";
    }
    if ["checkov", "tfsec", "kics", "terrascan", "cfn", "kube"]
        .iter()
        .any(|k| t.contains(k))
    {
        return "Infrastructure as code";
    }
    if ["zap", "nuclei", "burp", "nikto", "dast", "arachni"]
        .iter()
        .any(|k| t.contains(k))
    {
        return "Web (DAST)";
    }
    if scans_packages {
        return "Dependencies (SCA)";
    }
    "Code (SAST)"
}

/// The severity a `severity=` parameter names.
pub fn parse_severity(s: &str) -> Option<Severity> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_names_for_links() {
        assert_eq!(enc("storefront-web"), "storefront-web");
        assert_eq!(enc("a b/c?<x>"), "a%20b%2Fc%3F%3Cx%3E");
    }

    #[test]
    fn segments_round_and_fit() {
        assert!(segments(&[0; 5]).is_empty());
        assert_eq!(segments(&[1, 1, 0, 0, 0]), [("critical", 50), ("high", 50)]);
        let s = segments(&[1, 1000, 0, 0, 0]);
        assert_eq!(s[0], ("critical", 1), "a non-zero count stays visible");
        assert!(s.iter().map(|x| x.1).sum::<u64>() <= 101);
    }

    #[test]
    fn coverage_kinds() {
        assert_eq!(coverage_kind("codeql", "git.example/shop"), "Code (SAST)");
        assert_eq!(coverage_kind("semgrep", "shop"), "Code (SAST)");
        assert_eq!(coverage_kind("gitleaks", "shop"), "Secrets");
        assert_eq!(coverage_kind("trivy", "shop"), "Dependencies (SCA)");
        assert_eq!(
            coverage_kind("trivy", "registry.example/shop:2.1"),
            "Containers"
        );
        assert_eq!(coverage_kind("checkov", "infra"), "Infrastructure as code");
        assert_eq!(coverage_kind("ZAP", "https://shop.example"), "Web (DAST)");
        assert_eq!(
            coverage_kind("trivy", "https://git.example/x:1"),
            "Dependencies (SCA)"
        );
    }
}
