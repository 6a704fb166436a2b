//! The Markdown summary for a pull-request comment: the verdict and why, the issues the
//! change introduces (with fix versions and the policies that judged them), the issues it
//! fixes, and who owns the application. Text from reports is escaped: it can never open an
//! HTML tag or break a table.

use super::{GateChange, GateFinding, GateReport};
use std::fmt::Write;

/// Rows shown per table; the rest are counted.
pub const MAX_ROWS: usize = 50;

/// Escapes text for a Markdown table cell: HTML, pipes, backticks and line breaks.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '`' => out.push('\''),
            '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a code span in a table cell: only backticks, pipes and line breaks matter
/// there (GitHub tables honour `\|` inside code spans; nothing else is interpreted).
pub fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => "'".to_string(),
            '|' => "\\|".to_string(),
            '\n' | '\r' => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn fix(f: &GateFinding) -> String {
    if f.fix_versions.is_empty() {
        "–".into()
    } else {
        cell(&f.fix_versions.join(", "))
    }
}

/// The Markdown document of `report`.
pub fn write(report: &GateReport) -> String {
    let new: Vec<&GateFinding> = report.with_change(GateChange::New).collect();
    let fixed: Vec<&GateFinding> = report.with_change(GateChange::Fixed).collect();
    let unchanged = report.with_change(GateChange::Unchanged).count();
    let mut md = String::new();
    let verdict = if report.passed {
        "✅ Rampart gate passed"
    } else {
        "❌ Rampart gate failed"
    };
    let _ = writeln!(md, "## {verdict}\n");
    let _ = write!(
        md,
        "**{}** · target `{}` · branch `{}` against `{}`",
        cell(&report.application),
        code(&report.target),
        code(&report.branch),
        code(&report.baseline)
    );
    if let Some(c) = &report.commit {
        let _ = write!(md, " · commit `{}`", code(c));
    }
    let _ = writeln!(
        md,
        "\n\n| introduced | fixed | pre-existing (not judged) |\n|---:|---:|---:|\n| {} | {} | {} |\n",
        new.len(),
        fixed.len(),
        unchanged
    );

    let denials: Vec<_> = report.denials().collect();
    if !denials.is_empty() {
        let _ = writeln!(md, "### Why it failed\n");
        for (f, r) in denials.iter().take(MAX_ROWS) {
            let _ = writeln!(
                md,
                "- **{}** (`{}`): {} — {} at `{}`",
                cell(&r.policy),
                code(&r.file),
                cell(&r.msg),
                cell(&f.issue.title),
                code(&f.issue.location)
            );
        }
        if denials.len() > MAX_ROWS {
            let _ = writeln!(md, "- … and {} more", denials.len() - MAX_ROWS);
        }
        md.push('\n');
    }

    if !new.is_empty() {
        let _ = writeln!(
            md,
            "### New issues ({})\n\n| severity | issue | where | fix | policies |\n|---|---|---|---|---|",
            new.len()
        );
        for f in new.iter().take(MAX_ROWS) {
            let policies: Vec<String> = f
                .results
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        if r.is_deny() { "⛔" } else { "⚠️" },
                        cell(&r.policy)
                    )
                })
                .collect();
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | {} | {} |",
                f.issue.severity.as_str(),
                cell(&f.issue.title),
                code(&f.issue.location),
                fix(f),
                if policies.is_empty() {
                    "–".into()
                } else {
                    policies.join("<br>")
                }
            );
        }
        if new.len() > MAX_ROWS {
            let _ = writeln!(md, "\n… and {} more.", new.len() - MAX_ROWS);
        }
        md.push('\n');
    }

    if !fixed.is_empty() {
        let _ = writeln!(
            md,
            "### Fixed issues ({})\n\n| severity | issue | where |\n|---|---|---|",
            fixed.len()
        );
        for f in fixed.iter().take(MAX_ROWS) {
            let _ = writeln!(
                md,
                "| {} | {} | `{}` |",
                f.issue.severity.as_str(),
                cell(&f.issue.title),
                code(&f.issue.location)
            );
        }
        if fixed.len() > MAX_ROWS {
            let _ = writeln!(md, "\n… and {} more.", fixed.len() - MAX_ROWS);
        }
        md.push('\n');
    }

    let mut owners: Vec<String> = report.team.iter().cloned().collect();
    owners.extend(report.owners.iter().cloned());
    if owners.is_empty() {
        let _ = writeln!(md, "**Owners:** not in the catalog");
    } else {
        let o: Vec<String> = owners.iter().map(|o| cell(o)).collect();
        let _ = writeln!(md, "**Owners:** {}", o.join(", "));
    }
    let _ = writeln!(
        md,
        "\n<sub>Policies: {} · Rampart {}</sub>",
        if report.policies.is_empty() {
            "none".to_string()
        } else {
            report
                .policies
                .iter()
                .map(|p| cell(p))
                .collect::<Vec<_>>()
                .join(", ")
        },
        cell(&report.tool_version)
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_text_cannot_open_tags_or_break_tables() {
        assert_eq!(
            cell("<script>alert(1)</script> | *x*"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*"
        );
        assert_eq!(code("a|b`c\nd"), "a\\|b'c d");
        assert_eq!(code("src/my_file.py:3"), "src/my_file.py:3");
    }
}
