//! SLA and compliance facts (issue 6): active issues with their reopen times and risk
//! acceptances in three queries, scoped by application and team; stored due dates and the
//! overdue index; the SLA policy setting; scan coverage and the kinds of findings per tool.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest, secret};
use crate::lifecycle::all_issues;
use rampart_model::{AppProfile, FindingKind, IssueStatus, Severity, TriageRequest};
use rampart_store::AppScope;

fn scope(app: Option<&str>, team: Option<&str>) -> AppScope {
    AppScope {
        application: app.map(str::to_string),
        team: team.map(str::to_string),
    }
}

pub async fn sla_facts_in_bulk(b: &Backend) {
    let s = b.store.as_ref();
    s.apply_catalog(
        &[AppProfile {
            name: "shop".into(),
            tier: Some(1),
            team: Some("web".into()),
            data_tags: vec!["PCI".into()],
            ..Default::default()
        }],
        "catalog.yaml",
        at(0),
    )
    .await
    .unwrap();
    let shop = |n| Report::new("shop", "semgrep", n);
    let sqli = |path: &str| code("semgrep", "sqli", path, 1, &format!("execute({path})"));
    ingest(s, &shop(1), vec![sqli("a.py"), sqli("b.py"), sqli("c.py")]).await;
    ingest(
        s,
        &Report::new("wiki", "trivy", 2),
        vec![dep(
            "trivy",
            "CVE-2024-1",
            "lodash",
            "4.17.20",
            Severity::High,
        )],
    )
    .await;
    let issues = all_issues(s).await;
    let id = |path: &str| {
        issues
            .iter()
            .find(|i| i.location.starts_with(path))
            .map(|i| i.id)
            .unwrap()
    };
    let (a, bb, c) = (id("a.py"), id("b.py"), id("c.py"));
    let mut shop_ids = vec![a, bb, c];
    shop_ids.sort();
    // b.py fixed at 3, reopened at 4; c.py risk-accepted at 5 (until 20), undone at 8,
    // accepted again at 9 (still in force).
    ingest(s, &shop(3), vec![sqli("a.py"), sqli("c.py")]).await;
    ingest(s, &shop(4), vec![sqli("a.py"), sqli("b.py"), sqli("c.py")]).await;
    let accept = TriageRequest {
        status: IssueStatus::RiskAccepted,
        actor: "alice".into(),
        reason: "vendor fix in Q1".into(),
        approver: Some("bob".into()),
        expires_at: Some(at(20)),
        justification: None,
        vex_status: None,
    };
    s.triage(c, &accept, at(5)).await.unwrap().unwrap();
    s.undo_triage(c, "alice", at(8)).await.unwrap().unwrap();
    s.triage(c, &accept, at(9)).await.unwrap().unwrap();

    let rows = s.sla_issues(&scope(Some("shop"), None)).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), shop_ids);
    let row = |id: i64| rows.iter().find(|r| r.id == id).unwrap();
    let (ra, rb, rc) = (row(a), row(bb), row(c));
    assert_eq!(
        (ra.application.as_str(), ra.kind, ra.severity, ra.status),
        (
            "shop",
            FindingKind::Code,
            Severity::Medium,
            IssueStatus::Open
        )
    );
    assert_eq!(ra.cwes, [89]);
    assert_eq!(ra.first_seen, at(1));
    assert!(ra.reopened.is_empty() && ra.acceptances.is_empty());
    assert_eq!(rb.status, IssueStatus::Reopened);
    assert_eq!(rb.reopened, [at(4)]);
    assert_eq!(rc.status, IssueStatus::RiskAccepted);
    assert_eq!(rc.acceptances.len(), 2);
    assert_eq!(
        (rc.acceptances[0].at, rc.acceptances[0].ended_at),
        (at(5), Some(at(8)))
    );
    assert_eq!(
        (
            rc.acceptances[1].at,
            rc.acceptances[1].ended_at,
            rc.acceptances[1].expires_at
        ),
        (at(9), None, Some(at(20)))
    );
    // Scopes: all, by team, an unknown app.
    assert_eq!(s.sla_issues(&scope(None, None)).await.unwrap().len(), 4);
    assert_eq!(
        s.sla_issues(&scope(None, Some("web"))).await.unwrap().len(),
        3
    );
    assert!(
        s.sla_issues(&scope(Some("nope"), None))
            .await
            .unwrap()
            .is_empty()
    );
    let apps = s.scoped_apps(&scope(None, None)).await.unwrap();
    assert_eq!(
        apps.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["shop", "wiki"]
    );
    assert_eq!(apps[0].profile.as_ref().and_then(|p| p.tier), Some(1));
    assert!(apps[1].profile.is_none());
    // Fixed issues leave the active set.
    ingest(s, &shop(10), vec![sqli("b.py"), sqli("c.py")]).await;
    let rows = s.sla_issues(&scope(Some("shop"), None)).await.unwrap();
    let mut still = vec![bb, c];
    still.sort();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), still);

    // Due dates: stored, changed only when different, read back through the overdue index.
    let changed = s
        .set_sla_due(&[(bb, Some(at(30))), (c, None), (a, Some(at(25)))])
        .await
        .unwrap();
    assert_eq!(changed, 2, "c had none and keeps none");
    assert_eq!(
        s.set_sla_due(&[(bb, Some(at(30))), (a, Some(at(25)))])
            .await
            .unwrap(),
        0
    );
    let rows = s.sla_issues(&scope(Some("shop"), None)).await.unwrap();
    assert_eq!(
        rows.iter().find(|r| r.id == bb).unwrap().sla_due,
        Some(at(30))
    );
    // a is fixed: not overdue whatever its stored date; bb is, after its due date.
    assert!(
        s.overdue(&scope(None, None), at(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.overdue(&scope(None, None), at(31), 10).await.unwrap(),
        [(bb, at(30))]
    );
    assert!(
        s.overdue(&scope(Some("wiki"), None), at(31), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.set_sla_due(&[(bb, None)]).await.unwrap(), 1);
    assert!(
        s.overdue(&scope(None, None), at(31), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The policy setting.
    assert_eq!(s.sla_policy().await.unwrap(), None);
    s.set_sla_policy("days:\n  critical: 3\n").await.unwrap();
    s.set_sla_policy("days:\n  critical: 5\n").await.unwrap();
    assert_eq!(
        s.sla_policy().await.unwrap().as_deref(),
        Some("days:\n  critical: 5\n")
    );
}

pub async fn coverage_by_tool_and_kind(b: &Backend) {
    let s = b.store.as_ref();
    ingest(s, &Report::new("shop", "semgrep", 1), vec![]).await;
    ingest(
        s,
        &Report::new("shop", "semgrep", 5),
        vec![code("semgrep", "sqli", "a.py", 1, "x")],
    )
    .await;
    ingest(
        s,
        &Report::new("shop", "gitleaks", 3),
        vec![secret("gitleaks", "k.env", "aa11")],
    )
    .await;
    let mut os = dep("trivy", "CVE-2024-9", "openssl", "1.1", Severity::Critical);
    if let rampart_model::Location::Package(p) = &mut os.location {
        p.purl = Some("pkg:deb/debian/openssl@1.1".into());
    }
    ingest(
        s,
        &Report::new("img", "trivy", 4),
        vec![
            os,
            dep("trivy", "CVE-2024-1", "lodash", "4.17.20", Severity::High),
        ],
    )
    .await;
    let cov = s.scan_coverage(&scope(Some("shop"), None)).await.unwrap();
    assert_eq!(cov.len(), 2);
    let semgrep = cov.iter().find(|c| c.tools == ["semgrep"]).unwrap();
    assert_eq!((semgrep.scans, semgrep.last_scan), (2, at(5)));
    assert_eq!(semgrep.format, "test");
    assert_eq!(s.scan_coverage(&scope(None, None)).await.unwrap().len(), 3);
    let kinds = s.tool_findings(&scope(None, None)).await.unwrap();
    let got: Vec<(&str, &str, FindingKind, bool, u64)> = kinds
        .iter()
        .map(|k| {
            (
                k.application.as_str(),
                k.tool.as_str(),
                k.kind,
                k.os_package,
                k.observations,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("img", "trivy", FindingKind::Dependency, false, 1),
            ("img", "trivy", FindingKind::Dependency, true, 1),
            ("shop", "gitleaks", FindingKind::Secret, false, 1),
            ("shop", "semgrep", FindingKind::Code, false, 1),
        ]
    );
}
