//! Tool overlap: per tool, how many open issues only it reports and how many it shares with
//! each other tool — the evidence for keeping or retiring a scanner.

use serde::Serialize;
use std::collections::BTreeMap;

/// One tool's line of the overlap report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolOverlap {
    /// Tool name.
    pub tool: String,
    /// Open issues this tool reports.
    pub issues: u64,
    /// Of those, issues no other tool reports.
    pub only: u64,
    /// Of those, issues each other tool also reports.
    pub shared_with: BTreeMap<String, u64>,
}

/// Computes the overlap report from the tools of each open issue. Tools are listed by the
/// number of issues they report, most first, then by name.
pub fn overlap(issue_tools: &[Vec<String>]) -> Vec<ToolOverlap> {
    let mut by_tool: BTreeMap<&str, ToolOverlap> = BTreeMap::new();
    for tools in issue_tools {
        for tool in tools {
            let line = by_tool.entry(tool).or_insert_with(|| ToolOverlap {
                tool: tool.clone(),
                issues: 0,
                only: 0,
                shared_with: BTreeMap::new(),
            });
            line.issues += 1;
            if tools.len() == 1 {
                line.only += 1;
            }
            for other in tools.iter().filter(|o| *o != tool) {
                *line.shared_with.entry(other.clone()).or_default() += 1;
            }
        }
    }
    let mut lines: Vec<ToolOverlap> = by_tool.into_values().collect();
    lines.sort_by(|a, b| b.issues.cmp(&a.issues).then_with(|| a.tool.cmp(&b.tool)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn counts_only_and_shared() {
        let report = overlap(&[
            t(&["grype", "trivy"]),
            t(&["grype", "trivy"]),
            t(&["trivy"]),
            t(&["semgrep"]),
            t(&["bandit", "semgrep", "trivy"]),
        ]);
        let trivy = &report[0];
        assert_eq!(
            (trivy.tool.as_str(), trivy.issues, trivy.only),
            ("trivy", 4, 1)
        );
        assert_eq!(trivy.shared_with.get("grype"), Some(&2));
        assert_eq!(trivy.shared_with.get("semgrep"), Some(&1));
        let semgrep = report.iter().find(|l| l.tool == "semgrep").unwrap();
        assert_eq!((semgrep.issues, semgrep.only), (2, 1));
        assert_eq!(
            report.iter().map(|l| l.tool.as_str()).collect::<Vec<_>>(),
            ["trivy", "grype", "semgrep", "bandit"]
        );
        assert!(overlap(&[]).is_empty());
    }
}
