//! SLA due dates are kept in the store as things happen: after an ingest of real scans (the
//! corpus's vulpy semgrep report), a risk acceptance (paused: no due date) and its undo (the
//! pause added), and a catalog change of tier.

mod common;

use rampart_model::{IssueStatus, Severity, TriageRequest};
use rampart_service::{catalog, triage};
use rampart_store::{AppScope, SlaIssueRow, Store};
use time::Duration;

fn days(severity: Severity, tier: usize) -> i64 {
    rampart_engine::sla::DEFAULT_DAYS
        .iter()
        .find(|(s, _)| *s == severity)
        .map(|(_, d)| i64::from(d[tier - 1]))
        .unwrap()
}

async fn rows(store: &dyn Store) -> Vec<SlaIssueRow> {
    store
        .sla_issues(&AppScope {
            application: Some("vulpy".into()),
            team: None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn due_dates_follow_ingest_triage_and_catalog() {
    let Some(corpus) = rampart_formats::corpus::dir() else {
        return;
    };
    let (store, dir) = common::store().await;
    let s = store.as_ref();
    let catalog = dir.path().join("catalog.yaml");
    std::fs::write(&catalog, "applications:\n  - id: vulpy\n    tier: 1\n").unwrap();
    catalog::apply_files(s, &[catalog.as_path()], time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    common::ingest(s, &corpus.join("real-scans/vulpy/semgrep.json"), "vulpy")
        .await
        .unwrap();
    let issues = rows(s).await;
    assert!(issues.len() > 20, "{}", issues.len());
    for i in &issues {
        let due = i.first_seen + Duration::days(days(i.severity, 1));
        if i.severity == Severity::Info {
            assert_eq!(i.sla_due, None);
        } else {
            // Stored as whole seconds.
            assert_eq!(
                i.sla_due.map(|d| d.unix_timestamp()),
                Some(due.unix_timestamp()),
                "{i:?}"
            );
        }
    }

    // Accepted: paused, no due date stored; undone ten days later: due ten days later.
    let target = issues
        .iter()
        .find(|i| i.severity == Severity::High)
        .expect("a high issue");
    let accepted_at = target.first_seen + Duration::days(2);
    let request = TriageRequest {
        status: IssueStatus::RiskAccepted,
        actor: "alice".into(),
        reason: "fix after the freeze".into(),
        approver: Some("bob".into()),
        expires_at: Some(accepted_at + Duration::days(60)),
        justification: None,
        vex_status: None,
    };
    triage::decide(s, target.id, &request, accepted_at)
        .await
        .unwrap();
    let row = |rows: Vec<SlaIssueRow>| rows.into_iter().find(|r| r.id == target.id).unwrap();
    assert_eq!(row(rows(s).await).sla_due, None);
    triage::undo(s, target.id, "alice", accepted_at + Duration::days(10))
        .await
        .unwrap();
    let after = row(rows(s).await);
    let due = target.first_seen + Duration::days(days(Severity::High, 1) + 10);
    assert_eq!(
        after.sla_due.map(|d| d.unix_timestamp()),
        Some(due.unix_timestamp())
    );

    // The catalog moves the application to tier 4: every due date moves.
    std::fs::write(&catalog, "applications:\n  - id: vulpy\n    tier: 4\n").unwrap();
    catalog::apply_files(s, &[catalog.as_path()], time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let medium = rows(s)
        .await
        .into_iter()
        .find(|i| i.severity == Severity::Medium)
        .expect("a medium issue");
    let due = medium.first_seen + Duration::days(days(Severity::Medium, 4));
    assert_eq!(
        medium.sla_due.map(|d| d.unix_timestamp()),
        Some(due.unix_timestamp())
    );
}
