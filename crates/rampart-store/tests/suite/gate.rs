//! Branch versus baseline (issue 6): which issues a branch's latest scans report, which its
//! baseline's do, and that a tool the branch did not run fixes nothing.

use crate::backend::Backend;
use crate::build::{Report, code, dep, keyed, secret};
use rampart_engine::DefaultLifecycle;
use rampart_model::{Observation, Severity};
use rampart_store::{BranchPresence, ScanEnd, Store};

/// Ingests `observations` as one report of `tool` on `branch` of target `shop`.
async fn scan(store: &dyn Store, tool: &str, branch: &str, n: i64, obs: Vec<Observation>) {
    let report = Report::new("shop", tool, n);
    let mut meta = report.meta();
    meta.branch = branch.into();
    let mut session = store.begin_ingest(meta).await.expect("begin");
    session
        .write(keyed("shop", obs), &DefaultLifecycle)
        .await
        .expect("write");
    session
        .finish(
            ScanEnd {
                tools: vec![tool.into()],
                report_sha256: report.tag.clone(),
            },
            &DefaultLifecycle,
        )
        .await
        .expect("finish");
}

fn sqli(path: &str) -> Observation {
    code(
        "semgrep",
        "python.sqli",
        path,
        10,
        &format!("cursor.execute(q) # {path}"),
    )
}

pub async fn branch_presence_new_unchanged_fixed(b: &Backend) {
    let s = b.store.as_ref();
    // main: two code issues and a vulnerable package (semgrep, grype), and a secret (gitleaks).
    scan(s, "semgrep", "main", 0, vec![sqli("a.py"), sqli("b.py")]).await;
    scan(
        s,
        "grype",
        "main",
        1,
        vec![dep(
            "grype",
            "CVE-2024-1",
            "lodash",
            "4.17.20",
            Severity::High,
        )],
    )
    .await;
    scan(
        s,
        "gitleaks",
        "main",
        2,
        vec![secret("gitleaks", "conf.py", "ab12")],
    )
    .await;
    // The branch: keeps a.py, fixes b.py, adds c.py; only semgrep ran.
    scan(s, "semgrep", "feature", 3, vec![sqli("a.py"), sqli("c.py")]).await;
    let issues = s
        .list_issues(&rampart_store::IssueQuery {
            all_statuses: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let id_of = |path: &str| {
        issues
            .iter()
            .find(|i| i.location.starts_with(path))
            .unwrap_or_else(|| panic!("no issue at {path}"))
            .id
    };
    let p = s
        .branch_presence("shop", "shop", "feature", "main")
        .await
        .unwrap();
    let expected = {
        let mut v = vec![
            BranchPresence {
                issue_id: id_of("a.py"),
                on_branch: true,
                on_baseline: true,
            },
            BranchPresence {
                issue_id: id_of("b.py"),
                on_branch: false,
                on_baseline: true,
            },
            BranchPresence {
                issue_id: id_of("c.py"),
                on_branch: true,
                on_baseline: false,
            },
        ];
        v.sort_by_key(|x| x.issue_id);
        v
    };
    // grype and gitleaks did not run on the branch: their issues are neither fixed nor new.
    assert_eq!(p, expected);

    // A later branch scan that no longer reports c.py: it leaves the branch.
    scan(s, "semgrep", "feature", 4, vec![sqli("a.py")]).await;
    let p = s
        .branch_presence("shop", "shop", "feature", "main")
        .await
        .unwrap();
    assert!(p.iter().all(|x| x.issue_id != id_of("c.py")));
    // A tool that did run on the branch: its baseline issues count.
    scan(s, "grype", "feature", 5, vec![]).await;
    let p = s
        .branch_presence("shop", "shop", "feature", "main")
        .await
        .unwrap();
    let lodash = issues
        .iter()
        .find(|i| i.rule_id == "CVE-2024-1")
        .unwrap()
        .id;
    assert!(p.contains(&BranchPresence {
        issue_id: lodash,
        on_branch: false,
        on_baseline: true
    }));

    // The baseline against itself: everything is on both.
    let p = s
        .branch_presence("shop", "shop", "main", "main")
        .await
        .unwrap();
    assert_eq!(p.len(), 4);
    assert!(p.iter().all(|x| x.on_branch && x.on_baseline));
    // Unknown application or target: nothing.
    assert!(
        s.branch_presence("nope", "shop", "feature", "main")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.branch_presence("shop", "nope", "feature", "main")
            .await
            .unwrap()
            .is_empty()
    );

    // Issues by id, any status, in id order.
    let ids = vec![id_of("c.py"), id_of("a.py"), id_of("b.py")];
    let got = s.issues_by_ids(&ids).await.unwrap();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(got.iter().map(|i| i.id).collect::<Vec<_>>(), sorted);
    assert!(got.iter().all(|i| i.application == "shop"));
}

/// Gate decisions are recorded as given, and the latest of each application is read back,
/// within the scope asked for.
pub async fn gate_decisions_latest_per_application(b: &Backend) {
    use rampart_store::{AppScope, GateDecision, GatePolicyOutcome};
    use std::collections::BTreeMap;
    let s = b.store.as_ref();
    scan(s, "semgrep", "main", 0, vec![sqli("a.py")]).await;
    let mut other = Report::new("billing", "semgrep", 1).meta();
    other.branch = "main".into();
    let session = s.begin_ingest(other).await.unwrap();
    session
        .finish(
            ScanEnd {
                tools: vec!["semgrep".into()],
                report_sha256: "billing-0".into(),
            },
            &DefaultLifecycle,
        )
        .await
        .unwrap();
    let at = time::macros::datetime!(2026-11-20 10:00 UTC);
    let decision = |app: &str, branch: &str, passed: bool, minutes: i64| GateDecision {
        id: 0,
        application: app.into(),
        target: app.into(),
        branch: branch.into(),
        baseline: "main".into(),
        commit: (branch != "main").then(|| format!("{branch}-sha")),
        at: at + time::Duration::minutes(minutes),
        passed,
        introduced: 3,
        denied: u64::from(!passed),
        outcomes: BTreeMap::from([
            (
                "gate".to_string(),
                GatePolicyOutcome {
                    passed,
                    messages: if passed {
                        Vec::new()
                    } else {
                        vec!["secret in a.py".into()]
                    },
                },
            ),
            (
                "rampart.secrets".to_string(),
                GatePolicyOutcome {
                    passed,
                    messages: Vec::new(),
                },
            ),
        ]),
    };
    let first = s
        .record_gate_decision(&decision("shop", "main", true, 0))
        .await
        .unwrap();
    let second = s
        .record_gate_decision(&decision("shop", "feature/x", false, 5))
        .await
        .unwrap();
    assert!(second > first);
    s.record_gate_decision(&decision("billing", "main", true, 1))
        .await
        .unwrap();
    // An unknown application is refused, nothing recorded.
    assert!(
        s.record_gate_decision(&decision("nobody", "main", true, 2))
            .await
            .is_err()
    );

    let all = s.latest_gate_decisions(&AppScope::default()).await.unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0].application, "billing");
    assert!(all[0].passed);
    let shop = &all[1];
    let mut want = decision("shop", "feature/x", false, 5);
    want.id = second;
    assert_eq!(*shop, want);

    let only = s
        .latest_gate_decisions(&AppScope {
            application: Some("billing".into()),
            team: None,
        })
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].application, "billing");
    let team = s
        .latest_gate_decisions(&AppScope {
            application: None,
            team: Some("nobody-owns".into()),
        })
        .await
        .unwrap();
    assert!(team.is_empty());
}
