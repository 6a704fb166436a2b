//! Reads filtered by team in SQL (issue 7): a scope sees its teams' applications and nothing
//! of the others (not even counts); keyset pagination walks the risk order without gaps or
//! repeats.

use crate::backend::Backend;
use crate::build::{Report, at, dep, ingest};
use rampart_model::{AppProfile, Component, DependencyEdge, Severity, TeamScope};
use rampart_store::{InventoryComponent, IssueCursor, IssueQuery, IssueSort, NewInventory};

fn teams(t: &[&str]) -> TeamScope {
    TeamScope::Teams(t.iter().map(|s| s.to_string()).collect())
}

/// Ingests a Trivy scan of `app` with `n` high vulnerabilities (`CVE-2024-{app}{i}` in `pkg{i}`).
async fn ingest_vulns(s: &dyn rampart_store::Store, app: &str, n: usize) {
    let obs = (0..n)
        .map(|i| {
            dep(
                "trivy",
                &format!("CVE-2024-{app}{i}"),
                &format!("pkg{i}"),
                "1.0",
                Severity::High,
            )
        })
        .collect();
    ingest(s, &Report::new(app, "trivy", 0), obs).await;
}

/// `shop` (team web, 6 issues), `bank` (team payments, 4 issues), `orphan` (no catalog entry,
/// 2 issues); risk scores set so that the order is known.
async fn portfolio(b: &Backend) -> Vec<i64> {
    let s = b.store.as_ref();
    for (app, n) in [("shop", 6), ("bank", 4), ("orphan", 2)] {
        ingest_vulns(s, app, n).await;
    }
    let profile = |name: &str, team: &str| AppProfile {
        name: name.into(),
        team: Some(team.into()),
        ..Default::default()
    };
    s.apply_catalog(
        &[profile("shop", "web"), profile("bank", "payments")],
        "catalog.yaml",
        at(1),
    )
    .await
    .unwrap();
    let all = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Id,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 12);
    // Risk: two issues share each score, so the id breaks ties.
    let scores: Vec<(i64, u8)> = all
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id, 90 - (i as u8 / 2) * 5))
        .collect();
    s.set_risk(&scores).await.unwrap();
    all.iter().map(|i| i.id).collect()
}

pub async fn scope_filters_every_read(b: &Backend) {
    let s = b.store.as_ref();
    let ids = portfolio(b).await;
    let list = |scope: TeamScope| IssueQuery {
        scope,
        sort: IssueSort::Risk,
        ..Default::default()
    };
    let apps_of = |v: &[rampart_model::Issue]| {
        let mut a: Vec<String> = v.iter().map(|i| i.application.clone()).collect();
        a.dedup();
        a
    };
    assert_eq!(
        s.list_issues(&list(TeamScope::All)).await.unwrap().len(),
        12
    );
    let web = s.list_issues(&list(teams(&["web"]))).await.unwrap();
    assert_eq!((web.len(), apps_of(&web)), (6, vec!["shop".to_string()]));
    let both = s
        .list_issues(&list(teams(&["web", "payments"])))
        .await
        .unwrap();
    assert_eq!(
        both.len(),
        10,
        "the application without an owner is admins' only"
    );
    assert!(s.list_issues(&list(teams(&[]))).await.unwrap().is_empty());
    assert!(
        s.list_issues(&list(teams(&["nobody"])))
            .await
            .unwrap()
            .is_empty()
    );
    // Another team's application named explicitly: nothing, as if it did not exist.
    let other = IssueQuery {
        application: Some("bank".into()),
        ..list(teams(&["web"]))
    };
    assert!(s.list_issues(&other).await.unwrap().is_empty());

    // One issue, by id.
    let (shop_issue, bank_issue) = (ids[0], ids[6]);
    assert_eq!(
        s.issue_visible(shop_issue, &teams(&["web"]))
            .await
            .unwrap()
            .as_deref(),
        Some("shop")
    );
    assert_eq!(
        s.issue_visible(bank_issue, &teams(&["web"])).await.unwrap(),
        None
    );
    assert_eq!(
        s.issue_visible(bank_issue, &TeamScope::All)
            .await
            .unwrap()
            .as_deref(),
        Some("bank")
    );
    assert_eq!(
        s.issue_visible(999_999, &TeamScope::All).await.unwrap(),
        None
    );
    assert!(
        s.application_visible("shop", &teams(&["web"]))
            .await
            .unwrap()
    );
    assert!(
        !s.application_visible("bank", &teams(&["web"]))
            .await
            .unwrap()
    );
    assert!(
        !s.application_visible("nope", &TeamScope::All)
            .await
            .unwrap()
    );

    // Applications and their counts.
    let apps = s.applications_in(&teams(&["web"]), None).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].summary.name, "shop");
    assert_eq!(apps[0].team.as_deref(), Some("web"));
    assert_eq!(apps[0].summary.open_by_severity, [0, 6, 0, 0, 0]);
    assert_eq!(
        (apps[0].summary.issues_total, apps[0].summary.scans),
        (6, 1)
    );
    assert!(
        s.applications_in(&teams(&["web"]), Some("bank"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.applications_in(&TeamScope::All, None)
            .await
            .unwrap()
            .len(),
        3
    );

    // Portfolio counts cover the scope only.
    let p = s.portfolio_in(&teams(&["payments"])).await.unwrap();
    assert_eq!((p.applications, p.scans, p.observations), (1, 1, 4));
    assert_eq!(p.open_by_severity, [0, 4, 0, 0, 0]);
    assert_eq!(p.issues_by_status, vec![("open".to_string(), 4)]);
    assert_eq!(p.open_by_tool, vec![("trivy".to_string(), 4)]);
    let all = s.portfolio_in(&TeamScope::All).await.unwrap();
    assert_eq!((all.applications, all.observations), (3, 12));
    let none = s.portfolio_in(&teams(&[])).await.unwrap();
    assert_eq!(
        (none.applications, none.scans, none.open_by_severity),
        (0, 0, [0; 5])
    );
}

pub async fn keyset_pages_follow_risk_order(b: &Backend) {
    let s = b.store.as_ref();
    portfolio(b).await;
    let full = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    for sort in [IssueSort::Risk, IssueSort::Severity, IssueSort::Id] {
        let expected = s
            .list_issues(&IssueQuery {
                sort,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let page = s
                .list_issues(&IssueQuery {
                    sort,
                    limit: Some(5),
                    after,
                    ..Default::default()
                })
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap();
            after = Some(IssueCursor {
                key: match sort {
                    IssueSort::Risk => i64::from(last.risk),
                    _ => last.severity as i64,
                },
                id: last.id,
            });
            pages.extend(page.iter().map(|i| i.id));
        }
        assert_eq!(
            pages,
            expected.iter().map(|i| i.id).collect::<Vec<_>>(),
            "{sort:?}"
        );
    }
    // The risk order is by score, then newest id first, and the cursor pages it.
    assert!(
        full.windows(2)
            .all(|w| (w[0].risk, w[0].id) > (w[1].risk, w[1].id))
    );
    let scoped = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            scope: teams(&["payments"]),
            limit: Some(2),
            after: Some(IssueCursor {
                key: i64::from(full[0].risk),
                id: full[0].id,
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(scoped.iter().all(|i| i.application == "bank"));
    assert_eq!(scoped.len(), 2);
}

pub async fn inventories_and_package_uses_by_team(b: &Backend) {
    let s = b.store.as_ref();
    portfolio(b).await;
    let comp = |name: &str, version: &str| InventoryComponent {
        component: Component {
            bom_ref: name.into(),
            name: name.into(),
            version: Some(version.into()),
            purl: Some(format!(
                "pkg:maven/org.apache.logging.log4j/{name}@{version}"
            )),
            component_type: Some("library".into()),
            licenses: vec!["Apache-2.0".into()],
            hashes: vec![],
        },
        key: Some(("Maven".into(), format!("org.apache.logging.log4j:{name}"))),
        direct: Some(true),
    };
    for (app, version) in [("shop", "2.14.1"), ("bank", "2.17.1"), ("orphan", "2.14.0")] {
        s.put_inventory(NewInventory {
            application: app.into(),
            target: app.into(),
            branch: "main".into(),
            scan_id: None,
            at: at(2),
            root: None,
            components: vec![comp("log4j-core", version), comp("log4j-api", version)],
            edges: vec![DependencyEdge {
                from: "a".into(),
                to: "b".into(),
            }],
        })
        .await
        .unwrap();
    }
    let uses = s
        .package_uses(
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            &teams(&["web", "payments"]),
        )
        .await
        .unwrap();
    assert_eq!(
        uses.iter()
            .map(|u| (u.application.as_str(), u.version.as_deref().unwrap()))
            .collect::<Vec<_>>(),
        vec![("bank", "2.17.1"), ("shop", "2.14.1")]
    );
    assert_eq!(uses[0].licenses, vec!["Apache-2.0".to_string()]);
    assert_eq!(uses[0].direct, Some(true));
    assert_eq!(
        s.package_uses(
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            &TeamScope::All
        )
        .await
        .unwrap()
        .len(),
        3
    );
    assert!(
        s.package_uses("Maven", "org.apache.logging.log4j:log4j-core", &teams(&[]))
            .await
            .unwrap()
            .is_empty()
    );

    let invs = rampart_store::ScopedReads::inventories_in(s, &teams(&["web"]), None)
        .await
        .unwrap();
    assert_eq!(invs.len(), 1);
    assert_eq!(
        (invs[0].application.as_str(), invs[0].components),
        ("shop", 2)
    );
    assert!(
        rampart_store::ScopedReads::inventories_in(s, &teams(&["web"]), Some("bank"))
            .await
            .unwrap()
            .is_empty()
    );
    let shop_inv = invs[0].id;
    let bank_inv = rampart_store::ScopedReads::inventories_in(s, &TeamScope::All, Some("bank"))
        .await
        .unwrap()[0]
        .id;
    let page = s
        .inventory_components(shop_inv, &teams(&["web"]), -1, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.len(), 1);
    let rest = s
        .inventory_components(shop_inv, &teams(&["web"]), page[0].0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_ne!(page[0].1.name, rest[0].1.name);
    assert!(
        s.inventory_components(bank_inv, &teams(&["web"]), -1, 10)
            .await
            .unwrap()
            .is_none()
    );
}

/// A team's risk queue with a limit is read per application (each application's top N, then
/// the best N: `scoped::per_application_top`); it must equal the unlimited queue's first N,
/// whatever the scope, team filter, severity filter, cursor and limit.
pub async fn team_risk_queue_per_application_equals_the_whole_queue(b: &Backend) {
    let s = b.store.as_ref();
    portfolio(b).await;
    for (scope, team, severities) in [
        (teams(&["web"]), None, vec![]),
        (teams(&["web", "payments"]), None, vec![]),
        (teams(&["web", "payments"]), Some("payments"), vec![]),
        (TeamScope::All, Some("web"), vec![]),
        (teams(&["web", "payments"]), None, vec![Severity::High]),
        (teams(&["web", "payments"]), None, vec![Severity::Critical]),
        (teams(&["nobody"]), None, vec![]),
    ] {
        let q = IssueQuery {
            scope: scope.clone(),
            team: team.map(String::from),
            severities: severities.clone(),
            sort: IssueSort::Risk,
            ..Default::default()
        };
        let whole: Vec<(i64, u8)> = s
            .list_issues(&q)
            .await
            .unwrap()
            .iter()
            .map(|i| (i.id, i.risk))
            .collect();
        for limit in [1, 2, 3, 5, 7, 50] {
            for skip in [0usize, 1, 4] {
                let after = skip
                    .checked_sub(1)
                    .and_then(|k| whole.get(k))
                    .map(|(id, risk)| IssueCursor {
                        key: i64::from(*risk),
                        id: *id,
                    });
                if skip > 0 && after.is_none() {
                    continue;
                }
                let page: Vec<(i64, u8)> = s
                    .list_issues(&IssueQuery {
                        limit: Some(limit),
                        after,
                        ..q.clone()
                    })
                    .await
                    .unwrap()
                    .iter()
                    .map(|i| (i.id, i.risk))
                    .collect();
                let expected: Vec<(i64, u8)> = whole
                    .iter()
                    .skip(skip)
                    .take(limit as usize)
                    .copied()
                    .collect();
                assert_eq!(
                    page, expected,
                    "{scope:?} team {team:?} {severities:?} limit {limit} after {skip}"
                );
            }
        }
    }
}

/// A team of several applications whose risks interleave (and tie): the team's queue, read
/// per application with each walk stopping early, equals every visible issue sorted by risk
/// then id (computed here from the unscoped list and the catalog), for every limit and cursor;
/// another team's higher-risk issues and an application without a team never appear.
pub async fn team_risk_queue_merges_many_applications(b: &Backend) {
    let s = b.store.as_ref();
    let apps = [
        ("w1", Some("web")),
        ("w2", Some("web")),
        ("w3", Some("web")),
        ("w4", Some("web")),
        ("p1", Some("payments")),
        ("lone", None),
    ];
    for (n, (app, _)) in apps.iter().enumerate() {
        ingest_vulns(s, app, 7 + n).await;
    }
    let profiles: Vec<AppProfile> = apps
        .iter()
        .filter_map(|(name, team)| {
            team.map(|t| AppProfile {
                name: (*name).into(),
                team: Some(t.into()),
                ..Default::default()
            })
        })
        .collect();
    s.apply_catalog(&profiles, "catalog.yaml", at(1))
        .await
        .unwrap();
    let all = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Id,
            ..Default::default()
        })
        .await
        .unwrap();
    // Interleaved scores with ties across applications; payments and the lone application
    // hold the highest.
    let scores: Vec<(i64, u8)> = all
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let top = matches!(i.application.as_str(), "p1" | "lone");
            (i.id, if top { 99 } else { ((n * 37) % 9) as u8 * 10 })
        })
        .collect();
    s.set_risk(&scores).await.unwrap();
    let team_of = |app: &str| apps.iter().find(|(a, _)| *a == app).and_then(|(_, t)| *t);
    for (scope, team) in [
        (teams(&["web"]), None),
        (teams(&["web", "payments"]), None),
        (teams(&["web", "payments"]), Some("web")),
        (TeamScope::All, Some("web")),
    ] {
        let visible = |app: &str| {
            let t = team_of(app);
            let in_scope = match &scope {
                TeamScope::All => true,
                TeamScope::Teams(ts) => t.is_some_and(|t| ts.iter().any(|x| x == t)),
            };
            in_scope && team.is_none_or(|f| t == Some(f))
        };
        let mut expected: Vec<(i64, u8)> = all
            .iter()
            .filter(|i| visible(&i.application))
            .map(|i| {
                let risk = scores.iter().find(|(id, _)| *id == i.id).unwrap().1;
                (i.id, risk)
            })
            .collect();
        expected.sort_by_key(|e| std::cmp::Reverse((e.1, e.0)));
        for limit in [1, 3, 6, 10, 200] {
            let mut after = None;
            let mut walked = Vec::new();
            loop {
                let page: Vec<(i64, u8)> = s
                    .list_issues(&IssueQuery {
                        scope: scope.clone(),
                        team: team.map(String::from),
                        sort: IssueSort::Risk,
                        limit: Some(limit),
                        after,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .iter()
                    .map(|i| (i.id, i.risk))
                    .collect();
                let start = walked.len();
                walked.extend(page.iter().copied());
                assert_eq!(
                    &walked[..],
                    &expected[..walked.len().min(expected.len())],
                    "{scope:?} team {team:?} limit {limit} page at {start}"
                );
                match page.last() {
                    Some((id, risk)) if page.len() == limit as usize => {
                        after = Some(IssueCursor {
                            key: i64::from(*risk),
                            id: *id,
                        });
                    }
                    _ => break,
                }
            }
            assert_eq!(walked, expected, "{scope:?} team {team:?} limit {limit}");
        }
    }
}
