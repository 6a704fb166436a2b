//! The risk scope's reading of what a scan did: the issues of the statements it made that it
//! did not create, or created with several statements (`RiskScopeStore::risk_scope`).

use crate::backend::Backend;
use crate::build::{Report, code, dep, ingest};
use rampart_model::Severity;
use rampart_store::Store;

/// The id of the issue whose title is `title`.
async fn issue_titled(s: &dyn Store, title: &str) -> i64 {
    let issues = crate::lifecycle::all_issues(s).await;
    issues
        .iter()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no issue titled {title:?} among {issues:?}"))
        .id
}

async fn scope(s: &dyn Store, scan: i64) -> Vec<i64> {
    s.risk_scope(scan, time::Duration::days(3650))
        .await
        .expect("risk scope")
        .issues
}

pub async fn scope_names_the_issues_a_scan_touched_but_did_not_open_alone(b: &Backend) {
    let s = b.store.as_ref();
    // Scan 1: two tools state one vulnerability (one new issue, two statements); another
    // vulnerability and a code finding open an issue each, with one statement.
    let mut first = Report::new("shop", "trivy", 0);
    first.tools.extend(["grype".into(), "semgrep".into()]);
    let one = ingest(
        s,
        &first,
        vec![
            dep(
                "trivy",
                "CVE-2022-0001",
                "lodash",
                "4.17.20",
                Severity::High,
            ),
            dep(
                "grype",
                "CVE-2022-0001",
                "lodash",
                "4.17.20",
                Severity::High,
            ),
            dep("trivy", "CVE-2022-0002", "minimist", "1.2.0", Severity::Low),
            code("semgrep", "xss", "b.py", 9, "return request.args['q']"),
        ],
    )
    .await;
    assert_eq!(one.summary.new, 3, "{:?}", one.summary);
    let shared = issue_titled(s, "CVE-2022-0001 in lodash").await;
    let lone = issue_titled(s, "CVE-2022-0002 in minimist").await;
    let xss = issue_titled(s, "xss in b.py").await;
    // Scan 2, another tool on the same target: a new statement about an existing issue, and
    // a new issue of its own.
    let two = ingest(
        s,
        &Report::new("shop", "snyk", 1),
        vec![
            dep("snyk", "CVE-2022-0002", "minimist", "1.2.0", Severity::Low),
            code("snyk", "hardcoded-password", "c.py", 1, "password = 'x'"),
        ],
    )
    .await;
    assert_eq!(two.summary.new, 1, "{:?}", two.summary);
    let created = issue_titled(s, "hardcoded-password in c.py").await;
    let first_scope = scope(s, one.id).await;
    let second_scope = scope(s, two.id).await;
    assert_eq!(
        first_scope,
        [shared],
        "scan 1 ({lone} and {xss} have one statement)"
    );
    assert_eq!(second_scope, [lone], "scan 2 (it created {created})");
    // Scan 3, another application's first scan: each statement opens its own issue, so the
    // scan created as many issues as it reported observations and nothing is left to rescore
    // (the scope answers from the scan's counts, without reading its statements).
    let three = ingest(
        s,
        &Report::new("billing", "trivy", 2),
        vec![
            dep(
                "trivy",
                "CVE-2022-0001",
                "lodash",
                "4.17.20",
                Severity::High,
            ),
            dep("trivy", "CVE-2022-0003", "qs", "6.5.2", Severity::Medium),
        ],
    )
    .await;
    assert_eq!(
        (three.summary.observations, three.summary.new),
        (2, 2),
        "{:?}",
        three.summary
    );
    assert_eq!(scope(s, three.id).await, Vec::<i64>::new());
    if b.is_sqlite() {
        // Scans written before migration 0022 have no first issue id: the issue rows answer,
        // and say the same.
        b.execute("UPDATE scans SET first_issue_id = NULL").await;
        assert_eq!(scope(s, one.id).await, first_scope);
        assert_eq!(scope(s, two.id).await, second_scope);
    }
}
