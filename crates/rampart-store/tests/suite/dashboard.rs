//! The dashboard's read models (issue 7): every read is filtered by the caller's teams in SQL,
//! counts, trend, application view, components and searches.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest};
use rampart_model::{AppProfile, Component, IssueStatus, Severity, TeamScope, TriageRequest};
use rampart_store::{InventoryComponent, IssueFilter, IssueSort, NewInventory};

fn profile(name: &str, team: &str) -> AppProfile {
    AppProfile {
        name: name.into(),
        team: Some(team.into()),
        ..Default::default()
    }
}

fn web() -> TeamScope {
    TeamScope::Teams(vec!["web".into()])
}

/// shop (team web): a high lodash CVE, a low left-pad CVE and a SAST finding;
/// wiki (team docs): the lodash CVE; orphan (no catalog entry): one SAST finding.
async fn portfolio(b: &Backend) {
    let s = b.store.as_ref();
    s.apply_catalog(
        &[profile("shop", "web"), profile("wiki", "docs")],
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
        &Report::new("shop", "semgrep", 2),
        vec![code(
            "semgrep",
            "sqli",
            "src/db.py",
            10,
            "cursor.execute(q % x)",
        )],
    )
    .await;
    ingest(
        s,
        &Report::new("wiki", "trivy", 3),
        vec![dep(
            "trivy",
            "CVE-2024-1",
            "lodash",
            "4.17.20",
            Severity::High,
        )],
    )
    .await;
    ingest(
        s,
        &Report::new("orphan", "semgrep", 4),
        vec![code("semgrep", "xss", "a.js", 1, "el.innerHTML = x")],
    )
    .await;
}

pub async fn counts_and_issues_are_scoped(b: &Backend) {
    portfolio(b).await;
    let s = b.store.as_ref();
    let all = s
        .dashboard_issues(&TeamScope::All, &page(IssueFilter::default()))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    // Risk scores drive the histogram and the order.
    let scores: Vec<(i64, u8)> = all
        .iter()
        .map(|i| {
            (
                i.id,
                if i.title.contains("lodash") {
                    95
                } else {
                    (i.id as u8) * 3
                },
            )
        })
        .collect();
    s.set_risk(&scores).await.unwrap();

    let c = s.dashboard_counts(&TeamScope::All).await.unwrap();
    assert_eq!(
        c.applications
            .iter()
            .map(|a| (a.name.as_str(), a.team.as_deref(), a.open()))
            .collect::<Vec<_>>(),
        [
            ("orphan", None, 1),
            ("shop", Some("web"), 3),
            ("wiki", Some("docs"), 1)
        ]
    );
    assert_eq!(c.open(), 5);
    assert_eq!(
        c.risk_histogram[9], 2,
        "both lodash issues are in the 90..100 band"
    );
    assert_eq!(c.risk_histogram.iter().sum::<u64>(), 5);
    let shop = &c.applications[1];
    assert_eq!(shop.max_risk, 95);
    assert_eq!(shop.open_by_severity[1], 1, "one high");

    // Team web sees shop only; no team sees nothing.
    let w = s.dashboard_counts(&web()).await.unwrap();
    assert_eq!(w.applications.len(), 1);
    assert_eq!(w.applications[0].name, "shop");
    assert_eq!(w.open(), 3);
    assert_eq!(w.risk_histogram.iter().sum::<u64>(), 3);
    let none = s.dashboard_counts(&TeamScope::Teams(vec![])).await.unwrap();
    assert!(none.applications.is_empty() && none.open() == 0);

    let top = s
        .dashboard_issues(
            &web(),
            &page(IssueFilter {
                sort: IssueSort::Risk,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(top.len(), 3);
    assert!(top.iter().all(|i| i.application == "shop"));
    assert_eq!(top[0].risk, 95);
    assert!(top.windows(2).all(|w| w[0].risk >= w[1].risk));
    // Asking for another team's application by name gives nothing.
    let wiki = s
        .dashboard_issues(
            &web(),
            &page(IssueFilter {
                application: Some("wiki".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(wiki.is_empty());
    // Filters: severity, text (case-insensitive, `%` literal), paging.
    let high = s
        .dashboard_issues(
            &TeamScope::All,
            &page(IssueFilter {
                severities: vec![Severity::High],
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(high.len(), 2);
    let text = s
        .dashboard_issues(
            &TeamScope::All,
            &page(IssueFilter {
                text: Some("DB.PY".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(text.len(), 1);
    assert_eq!(text[0].location.split(':').next(), Some("src/db.py"));
    let pct = s
        .dashboard_issues(
            &TeamScope::All,
            &page(IssueFilter {
                text: Some("%".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(pct.is_empty(), "`%` is matched literally");
    let second = s
        .dashboard_issues(
            &TeamScope::All,
            &IssueFilter {
                sort: IssueSort::Id,
                limit: 2,
                offset: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|i| i.id).collect::<Vec<_>>(),
        [all_ids(&all)[2], all_ids(&all)[3]]
    );

    // Statuses: a triaged issue leaves the default list and shows under its status.
    let fp = top[2].id;
    s.triage(
        fp,
        &TriageRequest {
            status: IssueStatus::FalsePositive,
            actor: "alice".into(),
            reason: "test code".into(),
            approver: None,
            expires_at: None,
            justification: None,
            vex_status: None,
        },
        at(9),
    )
    .await
    .unwrap();
    let open = s
        .dashboard_issues(&web(), &page(IssueFilter::default()))
        .await
        .unwrap();
    assert_eq!(open.len(), 2);
    let fps = s
        .dashboard_issues(
            &web(),
            &page(IssueFilter {
                status: Some(IssueStatus::FalsePositive),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(fps.iter().map(|i| i.id).collect::<Vec<_>>(), [fp]);
    let any = s
        .dashboard_issues(
            &web(),
            &page(IssueFilter {
                all_statuses: true,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(any.len(), 3);

    // An issue of another team reads as absent.
    let wiki_issue = all.iter().find(|i| i.application == "wiki").unwrap().id;
    assert_eq!(
        s.issue_application(&TeamScope::All, wiki_issue)
            .await
            .unwrap()
            .as_deref(),
        Some("wiki")
    );
    assert_eq!(s.issue_application(&web(), wiki_issue).await.unwrap(), None);
    assert_eq!(
        s.issue_application(&web(), fp).await.unwrap().as_deref(),
        Some("shop")
    );
    assert_eq!(
        s.issue_application(&TeamScope::All, 999_999).await.unwrap(),
        None
    );
}

fn page(f: IssueFilter) -> IssueFilter {
    IssueFilter { limit: 50, ..f }
}

fn all_ids(issues: &[rampart_model::Issue]) -> Vec<i64> {
    let mut ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    ids.sort();
    ids
}

pub async fn application_view_components_and_search(b: &Backend) {
    portfolio(b).await;
    let s = b.store.as_ref();
    let v = s
        .application_view(&web(), "shop")
        .await
        .unwrap()
        .expect("shop is web's");
    assert_eq!(v.team.as_deref(), Some("web"));
    assert_eq!(v.targets, ["shop"]);
    assert_eq!(v.open_by_severity.iter().sum::<u64>(), 3);
    assert_eq!(
        v.open_by_kind,
        [("dependency".to_string(), 2), ("code".to_string(), 1)]
    );
    assert_eq!(
        v.streams
            .iter()
            .map(|st| (st.tool.as_str(), st.target.as_str(), st.branch.as_str()))
            .collect::<Vec<_>>(),
        [("semgrep", "shop", "main"), ("trivy", "shop", "main")]
    );
    assert_eq!(v.streams[1].last_scan_at, Some(at(1)));
    assert!(s.application_view(&web(), "wiki").await.unwrap().is_none());
    assert!(
        s.application_view(&TeamScope::All, "nope")
            .await
            .unwrap()
            .is_none()
    );

    // Components of the SBOMs of shop and wiki.
    for (app, scan_at) in [("shop", 5), ("wiki", 6)] {
        let scan = ingest(s, &Report::new(app, "cyclonedx", scan_at), vec![]).await;
        let comp = |name: &str, version: &str| InventoryComponent {
            component: Component {
                bom_ref: name.into(),
                name: name.into(),
                version: Some(version.into()),
                purl: Some(format!("pkg:npm/{name}@{version}")),
                component_type: Some("library".into()),
                licenses: vec!["MIT".into(), "Apache-2.0".into()],
                hashes: vec![],
            },
            key: Some(("npm".into(), name.into())),
            direct: Some(name == "lodash"),
        };
        s.put_inventory(NewInventory {
            application: app.into(),
            target: app.into(),
            branch: "main".into(),
            scan_id: Some(scan.id),
            at: at(scan_at),
            root: None,
            components: vec![comp("lodash", "4.17.20"), comp("Left_Pad", "1.0.0")],
            edges: vec![],
        })
        .await
        .unwrap();
    }
    let comps = s.application_components(&web(), "shop", 100).await.unwrap();
    assert_eq!(
        comps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Left_Pad", "lodash"]
    );
    assert_eq!(comps[1].direct, Some(true));
    assert_eq!(comps[1].licenses, "MIT, Apache-2.0");
    assert_eq!(comps[1].purl.as_deref(), Some("pkg:npm/lodash@4.17.20"));
    assert!(
        s.application_components(&web(), "wiki", 100)
            .await
            .unwrap()
            .is_empty()
    );

    let by_name = s
        .search_components(&TeamScope::All, "LODASH", 100)
        .await
        .unwrap();
    assert_eq!(
        by_name
            .iter()
            .map(|c| c.application.as_str())
            .collect::<Vec<_>>(),
        ["shop", "wiki"]
    );
    let by_purl = s
        .search_components(&web(), "pkg:npm/lodash@4", 100)
        .await
        .unwrap();
    assert_eq!(by_purl.len(), 1);
    assert_eq!(by_purl[0].application, "shop");
    assert!(
        s.search_components(&TeamScope::All, "pkg:npm/lodash@5", 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.search_components(&TeamScope::All, "t%p", 100)
            .await
            .unwrap()
            .len(),
        0,
        "`%` is literal"
    );
    assert_eq!(
        s.search_components(&TeamScope::All, "t_P", 100)
            .await
            .unwrap()
            .len(),
        2
    );

    // A vulnerability id finds its issues through the alias group, case-insensitively.
    s.replace_alias_groups(vec![
        ("CVE-2024-1".into(), "CVE-2024-1".into()),
        ("GHSA-abcd-efgh".into(), "CVE-2024-1".into()),
    ])
    .await
    .unwrap();
    let hits = s
        .search_vulnerability(&TeamScope::All, "ghsa-abcd-efgh", 50)
        .await
        .unwrap();
    assert!(hits.ids.iter().any(|i| i == "CVE-2024-1"), "{:?}", hits.ids);
    assert_eq!(hits.issues.len(), 2);
    let mine = s
        .search_vulnerability(&web(), "CVE-2024-1", 50)
        .await
        .unwrap();
    assert_eq!(
        mine.issues
            .iter()
            .map(|i| i.application.as_str())
            .collect::<Vec<_>>(),
        ["shop"]
    );
    assert!(
        s.search_vulnerability(&web(), "CVE-1999-0001", 50)
            .await
            .unwrap()
            .issues
            .is_empty()
    );
}

pub async fn posture_is_recorded_and_backfilled(b: &Backend) {
    portfolio(b).await;
    let s = b.store.as_ref();
    // Before the first scan nothing was open; after the third, shop and wiki had theirs.
    let n = s
        .backfill_posture(&[
            ("2024-02-29".into(), at(-60)),
            ("2024-03-01".into(), at(3) + time::Duration::seconds(1)),
        ])
        .await
        .unwrap();
    assert_eq!(n, 6, "one row per application and day");
    assert_eq!(s.record_posture("2024-03-02").await.unwrap(), 3);
    assert_eq!(
        s.record_posture("2024-03-02").await.unwrap(),
        3,
        "a day is replaced, not added to"
    );
    let trend = s
        .posture_trend(&TeamScope::All, "2024-01-01")
        .await
        .unwrap();
    assert_eq!(
        trend
            .iter()
            .map(|d| (d.day.as_str(), d.open_by_severity.iter().sum::<u64>()))
            .collect::<Vec<_>>(),
        [("2024-02-29", 0), ("2024-03-01", 4), ("2024-03-02", 5)]
    );
    assert_eq!(trend[2].open_by_severity[1], 2, "two highs");
    // A backfill never overwrites a recorded day.
    assert_eq!(
        s.backfill_posture(&[("2024-03-02".into(), at(0))])
            .await
            .unwrap(),
        0
    );
    let mine = s.posture_trend(&web(), "2024-03-02").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].open_by_severity.iter().sum::<u64>(), 3);
    assert!(
        s.posture_trend(&TeamScope::Teams(vec![]), "2024-01-01")
            .await
            .unwrap()
            .is_empty()
    );
}
