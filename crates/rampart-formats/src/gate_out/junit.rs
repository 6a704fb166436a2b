//! JUnit XML: a test suite per policy package, a test case per (package, introduced issue),
//! a `<failure>` for each deny; warnings go to the case's `<system-out>`. A package that had
//! nothing to judge has one passing case, so CI shows which policies ran.

use super::{GateChange, GateReport};
use quick_xml::escape::escape;
use std::fmt::Write;

/// The JUnit XML document of `report`.
pub fn write(report: &GateReport) -> String {
    let introduced: Vec<_> = report.with_change(GateChange::New).collect();
    let mut suites = String::new();
    let (mut total, mut failures) = (0usize, 0usize);
    for package in &report.policies {
        let mut cases = String::new();
        let mut tests = 0usize;
        for f in &introduced {
            let mine: Vec<_> = f.results.iter().filter(|r| &r.package == package).collect();
            tests += 1;
            let name = format!("{} ({})", f.issue.title, f.issue.location);
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">",
                escape(package.as_str()),
                escape(name.as_str()),
                escape(f.file().unwrap_or("")),
            );
            for r in mine.iter().filter(|r| r.is_deny()) {
                let _ = writeln!(
                    cases,
                    "      <failure message=\"{}\" type=\"{}\">{}\n{}: {}</failure>",
                    escape(r.msg.as_str()),
                    escape(r.policy.as_str()),
                    escape(r.msg.as_str()),
                    escape(r.file.as_str()),
                    escape(f.issue.key.as_str()),
                );
            }
            let warns: Vec<String> = mine
                .iter()
                .filter(|r| !r.is_deny())
                .map(|r| format!("warn [{}]: {}", r.policy, r.msg))
                .collect();
            if !warns.is_empty() {
                let _ = writeln!(
                    cases,
                    "      <system-out>{}</system-out>",
                    escape(warns.join("\n").as_str())
                );
            }
            cases.push_str("    </testcase>\n");
        }
        if introduced.is_empty() {
            tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"no issue introduced\"/>",
                escape(package.as_str())
            );
        }
        // A case with two denies counts once as a failed test.
        let failed_cases = introduced
            .iter()
            .filter(|f| {
                f.results
                    .iter()
                    .any(|r| &r.package == package && r.is_deny())
            })
            .count();
        total += tests;
        failures += failed_cases;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failed_cases}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>",
            escape(package.as_str())
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rampart gate {}\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">\n{suites}</testsuites>\n",
        escape(format!("{}@{}", report.application, report.branch).as_str())
    )
}
