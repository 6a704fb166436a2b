//! Business context, risk, triage and VEX storage (issue 5): catalog versions, the stored
//! risk score and the queue it orders, team and owner filters, triage that survives rescans,
//! undo, expiry, and VEX statements.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest};
use crate::lifecycle::all_issues;
use rampart_model::{
    AppProfile, DataClass, IssueStatus, Severity, TriageRequest, VexStatement, VexStatus,
};
use rampart_store::{IssueQuery, IssueSort};
use time::Duration;

fn profile(name: &str, team: &str, tier: u8) -> AppProfile {
    AppProfile {
        name: name.into(),
        tier: Some(tier),
        team: Some(team.into()),
        owners: vec![format!("{name}-champion@example.com")],
        data_class: Some(DataClass::Internal),
        ..Default::default()
    }
}

pub async fn catalog_is_versioned(b: &Backend) {
    let s = b.store.as_ref();
    let first = s
        .apply_catalog(
            &[profile("shop", "web", 1), profile("wiki", "docs", 3)],
            "catalog.yaml",
            at(0),
        )
        .await
        .unwrap();
    assert!(first.iter().all(|c| c.changed && c.version == 1));
    // The same again: no new version.
    let same = s
        .apply_catalog(&[profile("shop", "web", 1)], "catalog.yaml", at(1))
        .await
        .unwrap();
    assert_eq!((same[0].version, same[0].changed), (1, false));
    // A change: version 2, history keeps both.
    let mut changed = profile("shop", "web", 2);
    changed.data_tags = vec!["PCI".into()];
    let v2 = s
        .apply_catalog(&[changed.clone()], "other.yaml", at(2))
        .await
        .unwrap();
    assert_eq!((v2[0].version, v2[0].changed), (2, true));
    assert_eq!(s.app_profile("shop").await.unwrap(), Some(changed.clone()));
    let history = s.catalog_history("shop").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].profile.tier, Some(1));
    assert_eq!(history[1].profile, changed);
    assert_eq!(history[1].source, "other.yaml");
    assert_eq!(history[1].at, at(2));
    assert_eq!(s.app_profile("nope").await.unwrap(), None);
    // Applying creates the applications.
    let apps = s.list_applications().await.unwrap();
    assert_eq!(
        apps.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["shop", "wiki"]
    );
}

pub async fn risk_orders_the_queue(b: &Backend) {
    let s = b.store.as_ref();
    s.apply_catalog(
        &[profile("shop", "web", 1), profile("wiki", "docs", 3)],
        "c.yaml",
        at(0),
    )
    .await
    .unwrap();
    ingest(
        s,
        &Report::new("shop", "trivy", 1),
        vec![
            dep("trivy", "CVE-2024-1", "lodash", "4.17.20", Severity::High),
            dep("trivy", "CVE-2024-2", "left-pad", "1.0.0", Severity::Low),
        ],
    )
    .await;
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
    assert_eq!(issues.len(), 3);
    assert!(issues.iter().all(|i| i.risk == 0));
    // Risk inputs carry the sightings and their observations.
    let rows = s.risk_inputs("shop", 0, 10).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].sightings.len(), 1);
    assert_eq!(rows[0].sightings[0].target, "shop");
    assert_eq!(rows[0].sightings[0].branch, "main");
    assert!(rows[0].sightings[0].active);
    assert_eq!(rows[0].sightings[0].last_seen, at(1));
    assert_eq!(rows[0].sightings[0].observation["rule_id"], "CVE-2024-1");
    assert_eq!(rows[0].vuln_ids, ["CVE-2024-1", "GHSA-lodash"]);
    let page2 = s.risk_inputs("shop", rows[0].id, 10).await.unwrap();
    assert_eq!(page2.len(), 1);
    // Scores stored; unchanged ones are not rewritten.
    let scores: Vec<(i64, u8)> = issues
        .iter()
        .map(|i| {
            (
                i.id,
                if i.application == "shop" {
                    if i.title.contains("lodash") { 90 } else { 20 }
                } else {
                    40
                },
            )
        })
        .collect();
    assert_eq!(s.set_risk(&scores).await.unwrap(), 3);
    assert_eq!(s.set_risk(&scores).await.unwrap(), 0);
    let by_risk = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_risk.iter().map(|i| i.risk).collect::<Vec<_>>(),
        [90, 40, 20]
    );
    let top = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(top[0].risk, 90);
    let docs = s
        .list_issues(&IssueQuery {
            team: Some("docs".into()),
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        docs.iter()
            .map(|i| i.application.as_str())
            .collect::<Vec<_>>(),
        ["wiki"]
    );
    let owned = s
        .list_issues(&IssueQuery {
            owner: Some("shop-champion@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(owned.len(), 2);
    let team_as_owner = s
        .list_issues(&IssueQuery {
            owner: Some("web".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(team_as_owner.len(), 2);
    let nobody = s
        .list_issues(&IssueQuery {
            owner: Some("shop".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(nobody.is_empty());
    let found = s
        .issues_with_vulns("shop", &["GHSA-lodash".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].risk, 90);
    assert!(
        s.issues_with_vulns("shop", &["CVE-2024".into()])
            .await
            .unwrap()
            .is_empty()
    );
}

fn request(status: IssueStatus) -> TriageRequest {
    TriageRequest {
        status,
        actor: "alice".into(),
        reason: "test".into(),
        approver: None,
        expires_at: None,
        justification: None,
        vex_status: None,
    }
}

pub async fn triage_history_undo_and_expiry(b: &Backend) {
    let s = b.store.as_ref();
    let report = |n| Report::new("shop", "semgrep", n);
    let obs = || {
        vec![
            code("semgrep", "sqli", "a.py", 1, "cur.execute(q % a)"),
            code("semgrep", "sqli", "b.py", 2, "cur.execute(q % b)"),
        ]
    };
    ingest(s, &report(0), obs()).await;
    let issues = all_issues(s).await;
    let (a, bb) = (issues[0].id, issues[1].id);
    let fp = s
        .triage(a, &request(IssueStatus::FalsePositive), at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (fp.status, fp.prior_status),
        (IssueStatus::FalsePositive, IssueStatus::Open)
    );
    let mut accept = request(IssueStatus::RiskAccepted);
    accept.approver = Some("bob".into());
    accept.expires_at = Some(at(10));
    s.triage(bb, &accept, at(1)).await.unwrap().unwrap();
    assert!(s.triage(999_999, &accept, at(1)).await.unwrap().is_none());
    // A rescan reporting both: the decisions hold.
    ingest(s, &report(2), obs()).await;
    let issues = all_issues(s).await;
    assert_eq!(issues[0].status, IssueStatus::FalsePositive);
    assert_eq!(issues[1].status, IssueStatus::RiskAccepted);
    // Not yet expired.
    assert!(s.expire_triage(at(9)).await.unwrap().is_empty());
    // Expired: reopens, the decision ends, the history says so.
    assert_eq!(s.expire_triage(at(10)).await.unwrap(), [bb]);
    assert!(s.expire_triage(at(11)).await.unwrap().is_empty());
    let issues = all_issues(s).await;
    assert_eq!(issues[1].status, IssueStatus::Reopened);
    let h = s.triage_history(bb).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].ended_how.as_deref(), Some("expired"));
    assert_eq!(h[0].approver.as_deref(), Some("bob"));
    assert_eq!(h[0].expires_at, Some(at(10)));
    let detail = s.issue_detail(bb).await.unwrap().unwrap();
    assert!(detail.events.iter().any(|e| e.event == "expired"));
    // A second decision supersedes the first; undo goes back to the status before both.
    let mut na = request(IssueStatus::NotAffected);
    na.justification = Some("vulnerable_code_not_present".into());
    s.triage(a, &na, at(12)).await.unwrap().unwrap();
    let undone = s.undo_triage(a, "carol", at(13)).await.unwrap().unwrap();
    assert_eq!(undone.status, IssueStatus::NotAffected);
    assert_eq!(undone.ended_how.as_deref(), Some("undone by carol"));
    assert_eq!(all_issues(s).await[0].status, IssueStatus::Open);
    assert!(s.undo_triage(a, "carol", at(14)).await.unwrap().is_none());
    let h = s.triage_history(a).await.unwrap();
    assert_eq!(
        h.iter()
            .map(|d| d.ended_how.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["superseded", "undone by carol"]
    );
    // Triaged issues of an application, for VEX export.
    s.triage(a, &na, at(15)).await.unwrap();
    let triaged = s.triaged_issues("shop").await.unwrap();
    assert_eq!(triaged.len(), 1);
    assert_eq!(triaged[0].0.id, a);
    assert_eq!(
        triaged[0].1.justification.as_deref(),
        Some("vulnerable_code_not_present")
    );
    // An issue no longer reported whose acceptance expires becomes fixed, not reopened.
    s.triage(
        bb,
        &{
            let mut r = accept.clone();
            r.expires_at = Some(at(30));
            r
        },
        at(16),
    )
    .await
    .unwrap();
    ingest(s, &report(17), vec![]).await;
    assert_eq!(s.expire_triage(at(31)).await.unwrap(), [bb]);
    assert_eq!(all_issues(s).await[1].status, IssueStatus::Fixed);
}

pub async fn vex_statements_are_stored_once(b: &Backend) {
    let s = b.store.as_ref();
    let st = |n: &str| VexStatement {
        vulnerability: format!("CVE-{n}"),
        aliases: vec![],
        products: vec!["pkg:npm/a@1".into()],
        status: VexStatus::NotAffected,
        justification: Some("component_not_present".into()),
        detail: None,
        timestamp: Some(at(0) + Duration::hours(1)),
        document: "doc".into(),
        source_ref: format!("/statements/{n}"),
    };
    assert_eq!(
        s.add_vex_statements(Some("shop"), &[st("1"), st("2")], at(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.add_vex_statements(Some("shop"), &[st("1")], at(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.add_vex_statements(None, &[st("3")], at(2)).await.unwrap(),
        1
    );
    let shop = s.vex_statements("shop").await.unwrap();
    assert_eq!(shop, vec![st("1"), st("2"), st("3")]);
    assert_eq!(s.vex_statements("other").await.unwrap(), vec![st("3")]);
}
