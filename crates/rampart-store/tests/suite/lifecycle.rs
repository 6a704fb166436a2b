//! What ingests do to issues: new / unchanged / fixed / reopened, moved code, several tools,
//! rescans with nothing, triage that holds, failed ingests.

use crate::backend::Backend;
use crate::build::{Report, code, dep, ingest, keyed, secret};
use rampart_engine::DefaultLifecycle;
use rampart_model::{Issue, IssueStatus, ScanSummary, Severity};
use rampart_store::{IssueQuery, IssueSort, Store};

fn summary(observations: u64, new: u64, unchanged: u64, fixed: u64, reopened: u64) -> ScanSummary {
    ScanSummary {
        observations,
        new,
        unchanged,
        fixed,
        reopened,
    }
}

/// Every issue in any status, by id.
pub async fn all_issues(store: &dyn Store) -> Vec<Issue> {
    store
        .list_issues(&IssueQuery {
            all_statuses: true,
            sort: IssueSort::Id,
            ..Default::default()
        })
        .await
        .expect("list issues")
}

/// The status of the issue whose title is `title`.
fn status_of(issues: &[Issue], title: &str) -> IssueStatus {
    issues
        .iter()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no issue titled {title}"))
        .status
}

fn abc(lines: [u32; 3]) -> Vec<rampart_model::Observation> {
    vec![
        code("semgrep", "sqli", "a.py", lines[0], "cur.execute(q % a)"),
        code("semgrep", "sqli", "b.py", lines[1], "cur.execute(q % b)"),
        code("semgrep", "sqli", "c.py", lines[2], "cur.execute(q % c)"),
    ]
}

pub async fn new_unchanged_fixed_reopened(b: &Backend) {
    let s = b.store.as_ref();
    let first = ingest(s, &Report::new("shop", "semgrep", 0), abc([1, 2, 3])).await;
    assert_eq!(first.summary, summary(3, 3, 0, 0, 0));
    assert_eq!(first.tool, "semgrep");
    // c.py's finding is gone: fixed.
    let mut two = abc([1, 2, 3]);
    two.pop();
    let second = ingest(s, &Report::new("shop", "semgrep", 1), two).await;
    assert_eq!(second.summary, summary(2, 0, 2, 1, 0));
    let issues = all_issues(s).await;
    assert_eq!(status_of(&issues, "sqli in c.py"), IssueStatus::Fixed);
    assert_eq!(status_of(&issues, "sqli in a.py"), IssueStatus::Open);
    let c = issues.iter().find(|i| i.title == "sqli in c.py").unwrap();
    assert_eq!(c.fixed_at, Some(crate::build::at(1)));
    // Back again: reopened.
    let third = ingest(s, &Report::new("shop", "semgrep", 2), abc([1, 2, 3])).await;
    assert_eq!(third.summary, summary(3, 0, 2, 0, 1));
    let issues = all_issues(s).await;
    assert_eq!(issues.len(), 3, "no issue is created twice");
    assert_eq!(status_of(&issues, "sqli in c.py"), IssueStatus::Reopened);
    assert!(issues.iter().all(|i| i.fixed_at.is_none()));
    // A reopened issue that goes again is fixed again; a new finding is new.
    let mut fourth = abc([1, 2, 3]);
    fourth[2] = code("semgrep", "xss", "d.py", 4, "render(x)");
    let fourth = ingest(s, &Report::new("shop", "semgrep", 3), fourth).await;
    assert_eq!(fourth.summary, summary(3, 1, 2, 1, 0));
    let issues = all_issues(s).await;
    assert_eq!(issues.len(), 4);
    assert_eq!(status_of(&issues, "sqli in c.py"), IssueStatus::Fixed);
    assert_eq!(status_of(&issues, "xss in d.py"), IssueStatus::Open);
    // Statements: a, b (never changed), c (ended, then a second row when it came back and ended
    // again), d.
    assert_eq!(b.store.portfolio().await.unwrap().observations, 5);
}

pub async fn same_observations_twice_change_nothing(b: &Backend) {
    let s = b.store.as_ref();
    let obs = || {
        let mut v = abc([10, 20, 30]);
        v.push(dep(
            "trivy",
            "CVE-2021-44228",
            "log4j",
            "2.14.1",
            Severity::Critical,
        ));
        v
    };
    let mut r1 = Report::new("shop", "semgrep", 0);
    r1.tools.push("trivy".into());
    let first = ingest(s, &r1, obs()).await;
    assert_eq!(first.summary, summary(4, 4, 0, 0, 0));
    assert_eq!(first.tool, "semgrep,trivy");
    let before = all_issues(s).await;
    let before_obs = b.store.portfolio().await.unwrap().observations;
    let before_events = b.scalar("SELECT COUNT(*) FROM issue_events").await;
    let mut r2 = Report::new("shop", "semgrep", 1);
    r2.tools.push("trivy".into());
    let second = ingest(s, &r2, obs()).await;
    assert_eq!(second.summary, summary(4, 0, 4, 0, 0));
    let after = all_issues(s).await;
    assert_eq!(b.store.portfolio().await.unwrap().observations, before_obs);
    assert_eq!(
        b.scalar("SELECT COUNT(*) FROM issue_events").await,
        before_events
    );
    assert_eq!(before.len(), after.len());
    for (x, y) in before.iter().zip(&after) {
        // Only "last seen" moves: the issue was seen by the second scan.
        assert_eq!(y.last_seen, crate::build::at(1));
        let mut y = y.clone();
        y.last_seen = x.last_seen;
        assert_eq!(x, &y);
    }
}

pub async fn moved_code_stays_one_issue(b: &Backend) {
    let s = b.store.as_ref();
    let snippet = "os.system(cmd)";
    ingest(
        s,
        &Report::new("shop", "semgrep", 0),
        vec![code("semgrep", "cmdi", "app.py", 10, snippet)],
    )
    .await;
    let moved = ingest(
        s,
        &Report::new("shop", "semgrep", 1),
        vec![code("semgrep", "cmdi", "app.py", 42, snippet)],
    )
    .await;
    assert_eq!(
        moved.summary,
        summary(1, 0, 1, 0, 0),
        "moved is neither fixed nor new"
    );
    let issues = all_issues(s).await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].status, IssueStatus::Open);
    let d = b.store.issue_detail(issues[0].id).await.unwrap().unwrap();
    assert_eq!(d.observations.len(), 2);
    assert!(d.observations[0].active);
    assert_eq!(d.observations[0].location, "app.py:42");
    assert!(!d.observations[1].active);
    assert_eq!(d.observations[1].location, "app.py:10");
    assert_eq!(
        d.observations[1].last_scan_id,
        Some(d.observations[0].first_scan_id - 1)
    );
    let events: Vec<(&str, &str)> = d
        .events
        .iter()
        .map(|e| (e.event.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("new", "first reported by semgrep"),
            ("moved", "moved from app.py:10 to app.py:42")
        ]
    );
}

pub async fn two_tools_same_key_one_issue(b: &Backend) {
    let s = b.store.as_ref();
    let t = ingest(
        s,
        &Report::new("shop", "trivy", 0),
        vec![dep(
            "trivy",
            "CVE-2022-0001",
            "lodash",
            "4.17.20",
            Severity::Medium,
        )],
    )
    .await;
    assert_eq!(t.summary, summary(1, 1, 0, 0, 0));
    let g = ingest(
        s,
        &Report::new("shop", "grype", 1),
        vec![dep(
            "grype",
            "CVE-2022-0001",
            "lodash",
            "4.17.20",
            Severity::High,
        )],
    )
    .await;
    assert_eq!(
        g.summary,
        summary(1, 0, 1, 0, 0),
        "the second tool finds the issue"
    );
    let issues = all_issues(s).await;
    assert_eq!(issues.len(), 1);
    let i = &issues[0];
    assert_eq!(i.tools, ["grype", "trivy"]);
    assert_eq!(
        s.open_issue_tools("shop").await.unwrap(),
        [vec!["grype".to_string(), "trivy".to_string()]]
    );
    assert!(s.open_issue_tools("other").await.unwrap().is_empty());
    assert_eq!(
        i.severity,
        Severity::High,
        "the worst severity any tool gave"
    );
    assert_eq!(
        i.vuln_ids.iter().map(|v| v.0.as_str()).collect::<Vec<_>>(),
        ["CVE-2022-0001", "GHSA-lodash"]
    );
    let d = b.store.issue_detail(i.id).await.unwrap().unwrap();
    let mut tools: Vec<&str> = d.observations.iter().map(|o| o.tool.as_str()).collect();
    tools.sort();
    assert_eq!(tools, ["grype", "trivy"]);
    assert!(d.observations.iter().all(|o| o.active));
    let p = b.store.portfolio().await.unwrap();
    assert_eq!(p.open_multi_tool, 1);
    assert_eq!(
        p.open_by_tool,
        [("grype".to_string(), 1), ("trivy".to_string(), 1)]
    );
}

pub async fn empty_rescan_fixes_only_the_named_tool(b: &Backend) {
    let s = b.store.as_ref();
    ingest(s, &Report::new("shop", "semgrep", 0), abc([1, 2, 3])).await;
    ingest(
        s,
        &Report::new("shop", "gitleaks", 1),
        vec![secret("gitleaks", ".env", "f00d")],
    )
    .await;
    ingest(
        s,
        &Report::new("shop", "trivy", 2),
        vec![dep(
            "trivy",
            "CVE-2022-0002",
            "minimist",
            "1.2.0",
            Severity::High,
        )],
    )
    .await;
    ingest(
        s,
        &Report::new("shop", "grype", 3),
        vec![dep(
            "grype",
            "CVE-2022-0002",
            "minimist",
            "1.2.0",
            Severity::High,
        )],
    )
    .await;
    // Semgrep reports nothing any more: its three issues are fixed, gitleaks' is not.
    let empty = ingest(s, &Report::new("shop", "semgrep", 4), vec![]).await;
    assert_eq!(empty.summary, summary(0, 0, 0, 3, 0));
    assert_eq!(empty.tool, "semgrep");
    let issues = all_issues(s).await;
    assert_eq!(status_of(&issues, "sqli in a.py"), IssueStatus::Fixed);
    assert_eq!(status_of(&issues, "AWS access key"), IssueStatus::Open);
    // Trivy reports nothing: grype still reports the shared issue, which stays open.
    let trivy = ingest(s, &Report::new("shop", "trivy", 5), vec![]).await;
    assert_eq!(trivy.summary, summary(0, 0, 0, 0, 0));
    let issues = all_issues(s).await;
    assert_eq!(
        status_of(&issues, "CVE-2022-0002 in minimist"),
        IssueStatus::Open
    );
    // A rescan of another target of the same application touches nothing here.
    let other = ingest(
        s,
        &Report::new("shop", "gitleaks", 6).target("shop-infra"),
        vec![],
    )
    .await;
    assert_eq!(other.summary, summary(0, 0, 0, 0, 0));
    assert_eq!(
        status_of(&all_issues(s).await, "AWS access key"),
        IssueStatus::Open
    );
    let grype = ingest(s, &Report::new("shop", "grype", 7), vec![]).await;
    assert_eq!(grype.summary, summary(0, 0, 0, 1, 0));
}

pub async fn triage_survives_rescans(b: &Backend) {
    let s = b.store.as_ref();
    ingest(s, &Report::new("shop", "semgrep", 0), abc([1, 2, 3])).await;
    let issues = all_issues(s).await;
    let fp = issues
        .iter()
        .find(|i| i.title == "sqli in a.py")
        .unwrap()
        .id;
    let ra = issues
        .iter()
        .find(|i| i.title == "sqli in b.py")
        .unwrap()
        .id;
    b.execute(&format!(
        "UPDATE issues SET status = 'false_positive' WHERE id = {fp}"
    ))
    .await;
    b.execute(&format!(
        "UPDATE issues SET status = 'risk_accepted' WHERE id = {ra}"
    ))
    .await;
    // Seen again: the triage holds; the issues count as unchanged.
    let again = ingest(s, &Report::new("shop", "semgrep", 1), abc([1, 2, 3])).await;
    assert_eq!(again.summary, summary(3, 0, 3, 0, 0));
    // Seen with changed lines (new statements of the same issues): still holds.
    let moved = ingest(s, &Report::new("shop", "semgrep", 2), abc([5, 6, 7])).await;
    assert_eq!(moved.summary, summary(3, 0, 3, 0, 0));
    let issues = all_issues(s).await;
    assert_eq!(
        status_of(&issues, "sqli in a.py"),
        IssueStatus::FalsePositive
    );
    assert_eq!(
        status_of(&issues, "sqli in b.py"),
        IssueStatus::RiskAccepted
    );
    // Gone: triaged issues keep their state (not fixed); the open one is fixed.
    let gone = ingest(s, &Report::new("shop", "semgrep", 3), vec![]).await;
    assert_eq!(gone.summary, summary(0, 0, 0, 1, 0));
    let issues = all_issues(s).await;
    assert_eq!(
        status_of(&issues, "sqli in a.py"),
        IssueStatus::FalsePositive
    );
    assert_eq!(
        status_of(&issues, "sqli in b.py"),
        IssueStatus::RiskAccepted
    );
    assert_eq!(status_of(&issues, "sqli in c.py"), IssueStatus::Fixed);
    // Back: the false positive is still one, not reopened; the fixed one reopens.
    let back = ingest(s, &Report::new("shop", "semgrep", 4), abc([1, 2, 3])).await;
    assert_eq!(back.summary, summary(3, 0, 2, 0, 1));
    let issues = all_issues(s).await;
    assert_eq!(
        status_of(&issues, "sqli in a.py"),
        IssueStatus::FalsePositive
    );
    assert_eq!(status_of(&issues, "sqli in c.py"), IssueStatus::Reopened);
    // The default list shows active issues only.
    let open = s.list_issues(&IssueQuery::default()).await.unwrap();
    assert_eq!(open.len(), 1);
}

pub async fn failed_ingest_stores_nothing(b: &Backend) {
    let s = b.store.as_ref();
    let rules = DefaultLifecycle;
    // Into an empty store: no application, scan, issue or observation remains.
    let r = Report::new("shop", "semgrep", 0);
    let mut session = s.begin_ingest(r.meta()).await.unwrap();
    session
        .write(keyed("shop", abc([1, 2, 3])), &rules)
        .await
        .unwrap();
    drop(session);
    assert!(s.list_applications().await.unwrap().is_empty());
    assert!(s.list_scans(None, 10).await.unwrap().is_empty());
    assert!(all_issues(s).await.is_empty());
    let p = s.portfolio().await.unwrap();
    assert_eq!((p.applications, p.scans, p.observations), (0, 0, 0));
    // Over existing state: a rescan that fails half way changes nothing (nothing fixed, no
    // new issue), and the target is not left locked.
    ingest(s, &Report::new("shop", "semgrep", 1), abc([1, 2, 3])).await;
    let before = all_issues(s).await;
    let mut session = s
        .begin_ingest(Report::new("shop", "semgrep", 2).meta())
        .await
        .unwrap();
    session
        .write(
            keyed("shop", vec![code("semgrep", "xss", "z.py", 1, "x")]),
            &rules,
        )
        .await
        .unwrap();
    drop(session);
    assert_eq!(all_issues(s).await, before);
    assert_eq!(s.list_scans(None, 10).await.unwrap().len(), 1);
    let next = ingest(s, &Report::new("shop", "semgrep", 3), abc([1, 2, 3])).await;
    assert_eq!(next.summary, summary(3, 0, 3, 0, 0));
    for orphans in crate::concurrency::ORPHANS {
        assert_eq!(b.scalar(orphans).await, 0, "{orphans}");
    }
}

pub async fn batches_and_duplicates_within_a_report(b: &Backend) {
    let s = b.store.as_ref();
    // 250 findings written 40 at a time, with the same finding twice (told apart by
    // occurrence) and two tools in one report.
    let mut obs: Vec<_> = (0..240)
        .map(|n| {
            code(
                "semgrep",
                "r",
                &format!("f{n}.py"),
                n,
                &format!("call{n}()"),
            )
        })
        .collect();
    obs.push(code("semgrep", "r", "dup.py", 1, "same()"));
    obs.push(code("semgrep", "r", "dup.py", 9, "same()"));
    for n in 0..8 {
        obs.push(dep(
            "osv-scanner",
            &format!("CVE-2020-{n:04}"),
            "pkg",
            "1.0.0",
            Severity::Low,
        ));
    }
    let mut r = Report::new("big", "semgrep", 0);
    r.tools.push("osv-scanner".into());
    let scan = crate::build::ingest_batched(s, &r, obs.clone(), 40).await;
    assert_eq!(scan.summary, summary(250, 250, 0, 0, 0));
    let mut r2 = Report::new("big", "semgrep", 1);
    r2.tools.push("osv-scanner".into());
    let again = crate::build::ingest_batched(s, &r2, obs, 33).await;
    assert_eq!(again.summary, summary(250, 0, 250, 0, 0));
    assert_eq!(s.portfolio().await.unwrap().observations, 250);
    let keys: std::collections::HashSet<String> =
        all_issues(s).await.into_iter().map(|i| i.key).collect();
    assert_eq!(keys.len(), 250);
}

/// A report whose digest is known before the ingest (a queued job) is recorded once, however
/// often its job runs: a second attempt at the same time is refused with the first scan's id,
/// while the same bytes scanned at another time, or on another branch, are another scan.
pub async fn a_known_report_is_recorded_once(b: &Backend) {
    let s = b.store.as_ref();
    let report = Report::new("shop", "semgrep", 0);
    let first = ingest(s, &report, abc([1, 2, 3])).await;
    let mut again = report.meta();
    again.report_sha256 = report.tag.clone();
    match s.begin_ingest(again.clone()).await {
        Err(rampart_store::StoreError::AlreadyIngested(id)) => assert_eq!(id, first.id),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a second attempt of the same report was let in"),
    }
    let mut later = again.clone();
    later.ingested_at = crate::build::at(1);
    assert!(
        s.begin_ingest(later).await.is_ok(),
        "another time is another scan"
    );
    let mut branch = again;
    branch.branch = "feature".into();
    assert!(
        s.begin_ingest(branch).await.is_ok(),
        "another branch is another scan"
    );
}
