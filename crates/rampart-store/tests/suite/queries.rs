//! What the read queries return: issue lists and their filters, issue detail, applications,
//! scans, portfolio counts, the installation key.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest, secret};
use crate::lifecycle::all_issues;
use rampart_model::{FindingKind, Issue, IssueStatus, Observation, Severity};
use rampart_store::{IssueQuery, IssueSort, Store};

/// Two applications with code, dependency and secret issues of several tools, one fixed and
/// one false positive.
async fn populate(b: &Backend) {
    let s = b.store.as_ref();
    let mut sast = vec![
        code("semgrep", "sqli", "a.py", 1, "q(a)"),
        code("semgrep", "sqli", "b.py", 2, "q(b)"),
        code("semgrep", "xss", "c.py", 3, "r(c)"),
    ];
    sast[0].severity.level = Severity::High;
    sast[2].severity.level = Severity::Low;
    ingest(s, &Report::new("shop", "semgrep", 0), sast.clone()).await; // ids 1..=3
    ingest(
        s,
        &Report::new("shop", "trivy", 1),
        vec![
            dep(
                "trivy",
                "CVE-2021-44228",
                "log4j",
                "2.14.1",
                Severity::Critical,
            ),
            dep(
                "trivy",
                "CVE-2020-0001",
                "lodash",
                "4.0.0",
                Severity::Medium,
            ),
        ],
    )
    .await; // ids 4, 5
    ingest(
        s,
        &Report::new("bank", "gitleaks", 2),
        vec![secret("gitleaks", ".env", "beef")],
    )
    .await; // id 6
    ingest(
        s,
        &Report::new("bank", "grype", 3),
        vec![dep(
            "grype",
            "CVE-2021-44228",
            "log4j",
            "2.14.1",
            Severity::Critical,
        )],
    )
    .await; // id 7 (another application: another issue)
    // b.py's finding is fixed; lodash is a false positive.
    sast.remove(1);
    ingest(s, &Report::new("shop", "semgrep", 4), sast).await;
    // (Through the store, which keeps the summary tables: a raw UPDATE would bypass them.)
    let lodash = crate::lifecycle::all_issues(s)
        .await
        .into_iter()
        .find(|i| i.title == "CVE-2020-0001 in lodash")
        .expect("lodash issue");
    let fp = rampart_model::TriageRequest {
        status: rampart_model::IssueStatus::FalsePositive,
        actor: "alice".into(),
        reason: "test".into(),
        approver: None,
        expires_at: None,
        justification: None,
        vex_status: None,
    };
    s.triage(lodash.id, &fp, crate::build::at(5))
        .await
        .expect("triage")
        .expect("issue exists");
}

fn titles(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.title.as_str()).collect()
}

async fn list(s: &dyn Store, q: IssueQuery) -> Vec<Issue> {
    s.list_issues(&q).await.expect("list issues")
}

pub async fn list_issues_filters(b: &Backend) {
    populate(b).await;
    let s = b.store.as_ref();
    // Default: open and reopened, worst first, then newest id first.
    let open = list(s, IssueQuery::default()).await;
    assert_eq!(
        titles(&open),
        [
            "CVE-2021-44228 in log4j",
            "AWS access key",
            "CVE-2021-44228 in log4j",
            "sqli in a.py",
            "xss in c.py"
        ]
    );
    assert_eq!(open[0].severity, Severity::Critical);
    assert_eq!(
        (open[0].application.as_str(), open[2].application.as_str()),
        ("bank", "shop")
    );
    let app = |a: &str| IssueQuery {
        application: Some(a.into()),
        ..Default::default()
    };
    assert_eq!(
        titles(&list(s, app("shop")).await),
        ["CVE-2021-44228 in log4j", "sqli in a.py", "xss in c.py"]
    );
    assert!(list(s, app("nope")).await.is_empty());
    // Severity filter.
    let crit = list(
        s,
        IssueQuery {
            severities: vec![Severity::Critical],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(crit.len(), 3);
    let hl = list(
        s,
        IssueQuery {
            severities: vec![Severity::High, Severity::Low],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&hl), ["sqli in a.py", "xss in c.py"]);
    // Status filters.
    let fixed = list(
        s,
        IssueQuery {
            statuses: vec![IssueStatus::Fixed],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&fixed), ["sqli in b.py"]);
    assert_eq!(fixed[0].fixed_at, Some(at(4)));
    let two = list(
        s,
        IssueQuery {
            statuses: vec![IssueStatus::FalsePositive, IssueStatus::Fixed],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&two), ["CVE-2020-0001 in lodash", "sqli in b.py"]);
    let all = list(
        s,
        IssueQuery {
            all_statuses: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.len(), 7);
    // Tool filter (any case), kind filter, combined.
    let trivy = list(
        s,
        IssueQuery {
            tool: Some("Trivy".into()),
            all_statuses: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&trivy),
        ["CVE-2021-44228 in log4j", "CVE-2020-0001 in lodash"]
    );
    assert!(trivy.iter().all(|i| i.tools == ["trivy"]));
    let deps = list(
        s,
        IssueQuery {
            kinds: vec![FindingKind::Dependency],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(deps.len(), 2);
    let code_or_secret = list(
        s,
        IssueQuery {
            kinds: vec![FindingKind::Code, FindingKind::Secret],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&code_or_secret),
        ["AWS access key", "sqli in a.py", "xss in c.py"]
    );
    let combined = list(
        s,
        IssueQuery {
            application: Some("shop".into()),
            tool: Some("semgrep".into()),
            severities: vec![Severity::High, Severity::Medium],
            all_statuses: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&combined), ["sqli in a.py", "sqli in b.py"]);
    // Sorts and limit.
    let by_id = list(
        s,
        IssueQuery {
            all_statuses: true,
            sort: IssueSort::Id,
            ..Default::default()
        },
    )
    .await;
    let ids: Vec<i64> = by_id.iter().map(|i| i.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    let newest = list(
        s,
        IssueQuery {
            all_statuses: true,
            sort: IssueSort::Newest,
            limit: Some(2),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&newest),
        ["CVE-2021-44228 in log4j", "AWS access key"]
    );
    assert_eq!(newest[0].application, "bank");
    assert_eq!(newest[0].first_seen, at(3));
    let top = list(
        s,
        IssueQuery {
            limit: Some(1),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&top), ["CVE-2021-44228 in log4j"]);
    assert_eq!(top[0].application, "bank");
}

pub async fn issue_detail_has_everything(b: &Backend) {
    let s = b.store.as_ref();
    let a1 = code("semgrep", "sqli", "a.py", 1, "q(a)");
    ingest(s, &Report::new("shop", "semgrep", 0), vec![a1.clone()]).await;
    ingest(s, &Report::new("shop", "semgrep", 1), vec![]).await;
    let mut a2 = a1.clone();
    a2.location = code("semgrep", "sqli", "a.py", 7, "q(a)").location;
    a2.message = Some("SQL built from input".into());
    ingest(s, &Report::new("shop", "semgrep", 2), vec![a2.clone()]).await;
    let issue = all_issues(s).await.remove(0);
    assert_eq!(issue.status, IssueStatus::Reopened);
    assert_eq!(issue.kind, FindingKind::Code);
    assert_eq!(issue.cwes, [89]);
    assert_eq!(issue.rule_id, "sqli");
    assert_eq!(
        issue.location, "a.py:1",
        "the first observation names the issue"
    );
    assert_eq!(issue.first_seen, at(0));
    assert_eq!(issue.last_seen, at(2));
    let d = s
        .issue_detail(issue.id)
        .await
        .unwrap()
        .expect("the issue exists");
    assert_eq!(d.issue, issue);
    assert_eq!(d.observations.len(), 2);
    let (live, old) = (&d.observations[0], &d.observations[1]);
    assert!(live.active && !old.active);
    assert_eq!(
        (
            live.tool.as_str(),
            live.target.as_str(),
            live.branch.as_str()
        ),
        ("semgrep", "shop", "main")
    );
    assert_eq!(live.severity, Severity::Medium);
    assert_eq!(live.rule_id, "sqli");
    // The stored observation reads back as the very observation written.
    let back: Observation = serde_json::from_value(live.observation.clone()).unwrap();
    assert_eq!(back, a2);
    let back: Observation = serde_json::from_value(old.observation.clone()).unwrap();
    assert_eq!(back, a1);
    let events: Vec<(&str, Option<i64>, time::OffsetDateTime)> = d
        .events
        .iter()
        .map(|e| (e.event.as_str(), e.scan_id, e.at))
        .collect();
    let scans = s.list_scans(None, 10).await.unwrap();
    let id = |n: usize| Some(scans[2 - n].id);
    assert_eq!(
        events,
        [
            ("new", id(0), at(0)),
            ("fixed", id(1), at(1)),
            ("reopened", id(2), at(2))
        ]
    );
    assert!(s.issue_detail(issue.id + 1000).await.unwrap().is_none());
}

pub async fn applications_scans_and_portfolio(b: &Backend) {
    populate(b).await;
    let s = b.store.as_ref();
    let apps = s.list_applications().await.unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["bank", "shop"]);
    let (bank, shop) = (&apps[0], &apps[1]);
    assert_eq!((bank.targets, bank.scans, bank.issues_total), (1, 2, 2));
    assert_eq!(bank.open_by_severity, [2, 0, 0, 0, 0]);
    assert_eq!(bank.last_scan, Some(at(3)));
    assert_eq!((shop.targets, shop.scans, shop.issues_total), (1, 3, 5));
    assert_eq!(shop.open_by_severity, [1, 1, 0, 1, 0]);
    assert_eq!(shop.last_scan, Some(at(4)));

    let scans = s.list_scans(None, 100).await.unwrap();
    assert_eq!(scans.len(), 5);
    assert!(scans.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let last = &scans[0];
    assert_eq!(
        (
            last.application.as_str(),
            last.target.as_str(),
            last.tool.as_str()
        ),
        ("shop", "shop", "semgrep")
    );
    assert_eq!(
        (
            last.branch.as_str(),
            last.commit.as_deref(),
            last.format.as_str()
        ),
        ("main", Some("0123abc"), "test")
    );
    assert_eq!(last.report_sha256, "shop-semgrep-4");
    assert_eq!(last.ingested_at, at(4));
    assert_eq!(
        (
            last.summary.observations,
            last.summary.unchanged,
            last.summary.fixed
        ),
        (2, 2, 1)
    );
    let bank_scans = s.list_scans(Some("bank"), 100).await.unwrap();
    assert_eq!(
        bank_scans
            .iter()
            .map(|s| s.tool.as_str())
            .collect::<Vec<_>>(),
        ["grype", "gitleaks"]
    );
    assert_eq!(s.list_scans(None, 2).await.unwrap().len(), 2);
    assert!(s.list_scans(Some("nope"), 10).await.unwrap().is_empty());

    let p = s.portfolio().await.unwrap();
    assert_eq!((p.applications, p.scans, p.observations), (2, 5, 7));
    assert_eq!(
        p.issues_by_status,
        [
            ("false_positive".to_string(), 1),
            ("fixed".to_string(), 1),
            ("open".to_string(), 5)
        ]
    );
    assert_eq!(p.open_by_severity, [3, 1, 0, 1, 0]);
    assert_eq!(
        p.open_by_kind,
        [
            ("code".to_string(), 2),
            ("dependency".to_string(), 2),
            ("secret".to_string(), 1)
        ]
    );
    assert_eq!(
        p.open_by_tool,
        [
            ("semgrep".to_string(), 2),
            ("gitleaks".to_string(), 1),
            ("grype".to_string(), 1),
            ("trivy".to_string(), 1)
        ]
    );
    assert_eq!(p.open_multi_tool, 0);
}

pub async fn installation_key_is_stable(b: &Backend) {
    if std::env::var("RAMPART_SECRET_KEY").is_ok_and(|k| !k.is_empty()) {
        return; // the environment overrides the stored key
    }
    let k1 = b.store.installation_key().await.unwrap();
    assert_eq!(k1.len(), 32);
    assert_eq!(b.store.installation_key().await.unwrap(), k1);
    assert_eq!(b.another().await.installation_key().await.unwrap(), k1);
}

pub async fn open_by_url_reaches_the_same_store(b: &Backend) {
    ingest(
        b.store.as_ref(),
        &Report::new("shop", "semgrep", 0),
        vec![code("semgrep", "r", "a.py", 1, "x()")],
    )
    .await;
    let other = b.open_by_url().await;
    assert_eq!(
        all_issues(other.as_ref()).await,
        all_issues(b.store.as_ref()).await
    );
    assert_eq!(other.list_applications().await.unwrap().len(), 1);
}
