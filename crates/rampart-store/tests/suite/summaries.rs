//! The summary tables (migration 0010) behind `apps list` and the portfolio: after every kind
//! of write (first ingest, rescans that fix and reopen, batches, renames, two tools, triage,
//! expiry, risk rescoring) they equal a recount from the issue and observation tables.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest, ingest_batched, secret};
use crate::lifecycle::all_issues;
use rampart_model::{IssueStatus, Severity, TriageRequest};
use rampart_store::Store;

/// The summaries equal the recount; returns the portfolio for further checks.
pub async fn assert_summaries_match(s: &dyn Store, when: &str) -> rampart_store::PortfolioSummary {
    let apps = s.list_applications().await.expect("list applications");
    let recounted = s
        .recount_applications()
        .await
        .expect("recount applications");
    assert_eq!(apps, recounted, "applications after {when}");
    let p = s.portfolio().await.expect("portfolio");
    let recounted = s.recount_portfolio().await.expect("recount portfolio");
    assert_eq!(p, recounted, "portfolio after {when}");
    p
}

fn shop_code(lines: [u32; 3]) -> Vec<rampart_model::Observation> {
    vec![
        code("semgrep", "sqli", "a.py", lines[0], "cur.execute(q % a)"),
        code("semgrep", "sqli", "b.py", lines[1], "cur.execute(q % b)"),
        code("semgrep", "xss", "c.py", lines[2], "render(c)"),
    ]
}

fn request(status: IssueStatus, expires: Option<i64>) -> TriageRequest {
    TriageRequest {
        status,
        actor: "alice".into(),
        reason: "checked".into(),
        approver: expires.map(|_| "bob".into()),
        expires_at: expires.map(at),
        justification: None,
        vex_status: None,
    }
}

pub async fn summaries_equal_a_recount(b: &Backend) {
    let s = b.store.as_ref();
    let p = assert_summaries_match(s, "nothing").await;
    assert_eq!(p, rampart_store::PortfolioSummary::default());

    // First ingests: two tools on one dependency issue, a secret, two applications.
    ingest(s, &Report::new("shop", "semgrep", 0), shop_code([1, 2, 3])).await;
    let deps = |v: &str| {
        vec![
            dep("trivy", "CVE-2024-1", "lodash", v, Severity::High),
            secret("trivy", "config.py", "hmac-1"),
        ]
    };
    ingest(
        s,
        &Report::new("shop", "trivy", 1).target("shop-image"),
        deps("4.17.0"),
    )
    .await;
    ingest(
        s,
        &Report::new("shop", "grype", 2).target("shop-image"),
        vec![dep(
            "grype",
            "CVE-2024-1",
            "lodash",
            "4.17.0",
            Severity::Critical,
        )],
    )
    .await;
    ingest(
        s,
        &Report::new("bank", "trivy", 3),
        vec![dep(
            "trivy",
            "CVE-2024-9",
            "left-pad",
            "1.0.0",
            Severity::Low,
        )],
    )
    .await;
    let p = assert_summaries_match(s, "first ingests").await;
    assert_eq!(p.applications, 2);
    assert_eq!(p.scans, 4);
    assert_eq!(p.open_multi_tool, 1, "lodash: trivy and grype");
    assert_eq!(
        p.open_by_tool,
        [
            ("semgrep".to_string(), 3),
            ("trivy".to_string(), 3),
            ("grype".to_string(), 1)
        ]
    );
    // grype raised the shared issue to critical: [critical, high, medium, low, info].
    assert_eq!(p.open_by_severity, [2, 0, 3, 1, 0]);
    assert_eq!(p.open_by_risk, [6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    // A rescan that fixes c.py and finds d.py; then one that reopens c.py.
    let mut second = shop_code([1, 2, 3]);
    second[2] = code("semgrep", "cmdi", "d.py", 4, "os.system(d)");
    ingest(s, &Report::new("shop", "semgrep", 4), second).await;
    let p = assert_summaries_match(s, "a rescan that fixes").await;
    assert!(p.issues_by_status.contains(&("fixed".to_string(), 1)));
    ingest(s, &Report::new("shop", "semgrep", 5), shop_code([1, 2, 3])).await;
    let p = assert_summaries_match(s, "a rescan that reopens").await;
    assert!(p.issues_by_status.contains(&("reopened".to_string(), 1)));
    // grype stops reporting lodash: one tool left on it.
    ingest(
        s,
        &Report::new("shop", "grype", 6).target("shop-image"),
        vec![],
    )
    .await;
    let p = assert_summaries_match(s, "a tool's empty rescan").await;
    assert_eq!(p.open_multi_tool, 0);

    // One report in batches of one, repeating a key with a worse severity in a later batch.
    let mut worse = code("bandit", "sqli", "e.py", 9, "cur.execute(e)");
    worse.severity.level = Severity::Critical;
    ingest_batched(
        s,
        &Report::new("shop", "bandit", 7),
        vec![
            code("bandit", "sqli", "e.py", 8, "cur.execute(e)"),
            code("bandit", "xss", "f.py", 1, "render(f)"),
            worse,
        ],
        1,
    )
    .await;
    assert_summaries_match(s, "batches of one").await;

    // A renamed file keeps its issues (the new ones are dropped in the same ingest).
    let renamed = vec![
        code("semgrep", "sqli", "lib/a.py", 1, "cur.execute(q % a)"),
        code("semgrep", "sqli", "b.py", 2, "cur.execute(q % b)"),
        code("semgrep", "xss", "c.py", 3, "render(c)"),
    ];
    ingest(s, &Report::new("shop", "semgrep", 8), renamed).await;
    assert_summaries_match(s, "a renamed file").await;

    // Triage: false positive, undo, risk acceptance that expires.
    let issues = all_issues(s).await;
    let open: Vec<i64> = issues
        .iter()
        .filter(|i| i.status.is_active())
        .map(|i| i.id)
        .collect();
    assert!(open.len() >= 4);
    s.triage(open[0], &request(IssueStatus::FalsePositive, None), at(9))
        .await
        .unwrap()
        .unwrap();
    let p = assert_summaries_match(s, "a false positive").await;
    assert!(
        p.issues_by_status
            .contains(&("false_positive".to_string(), 1))
    );
    s.undo_triage(open[0], "alice", at(10))
        .await
        .unwrap()
        .unwrap();
    assert_summaries_match(s, "an undo").await;
    s.triage(
        open[1],
        &request(IssueStatus::RiskAccepted, Some(12)),
        at(11),
    )
    .await
    .unwrap()
    .unwrap();
    assert_summaries_match(s, "a risk acceptance").await;
    assert_eq!(s.expire_triage(at(13)).await.unwrap(), [open[1]]);
    assert_summaries_match(s, "an expiry").await;

    // Risk rescoring: active and inactive issues, repeated ids, unchanged scores.
    let all = all_issues(s).await;
    let mut scores: Vec<(i64, u8)> = all
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id, ((n * 37) % 101) as u8))
        .collect();
    scores.push((all[0].id, 100));
    assert!(s.set_risk(&scores).await.unwrap() > 0);
    let p = assert_summaries_match(s, "rescoring").await;
    assert!(p.open_by_risk.iter().filter(|n| **n > 0).count() > 1);
    assert!(
        s.list_applications()
            .await
            .unwrap()
            .iter()
            .any(|a| a.max_risk > 0)
    );
    s.set_risk(&[(open[2], 5)]).await.unwrap();
    assert_summaries_match(s, "a second rescoring").await;

    // Rescans after rescoring: a fixed issue leaves its risk band.
    ingest(s, &Report::new("shop", "semgrep", 14), vec![]).await;
    assert_summaries_match(s, "a rescan after rescoring").await;

    // Per team: the catalog's teams (none here) hold every application.
    let teams = s.team_summaries().await.unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0].team, None);
    assert_eq!(teams[0].applications, 2);
    assert_eq!(
        teams[0].open_by_severity,
        s.portfolio().await.unwrap().open_by_severity
    );

    // A rebuild from scratch gives the same summaries.
    let before = s.portfolio().await.unwrap();
    s.rebuild_summaries().await.unwrap();
    assert_eq!(s.portfolio().await.unwrap(), before);
}
