//! Correlation support on both backends (issue 8): the prior index and the rename pass.

use crate::backend::Backend;
use crate::build::{Report, code, ingest};
use crate::lifecycle::all_issues;
use rampart_model::ScanSummary;

/// A file renamed with its content: the rescan opens and fixes nothing, and says where the
/// findings went.
pub async fn renamed_file_keeps_its_issues(b: &Backend) {
    let s = b.store.as_ref();
    let before = vec![
        code("semgrep", "sqli", "app/db.py", 10, "cur.execute(q % x)"),
        code("semgrep", "cmdi", "app/db.py", 20, "os.system(cmd)"),
        code("semgrep", "cmdi", "app/other.py", 5, "os.popen(c)"),
    ];
    ingest(s, &Report::new("shop", "semgrep", 0), before).await;
    assert_eq!(all_issues(s).await.len(), 3);
    let after = || {
        vec![
            code(
                "semgrep",
                "sqli",
                "lib/storage.py",
                10,
                "cur.execute(q % x)",
            ),
            code("semgrep", "cmdi", "lib/storage.py", 20, "os.system(cmd)"),
            code("semgrep", "cmdi", "app/other.py", 5, "os.popen(c)"),
        ]
    };
    let scan = ingest(s, &Report::new("shop", "semgrep", 1), after()).await;
    assert_eq!(
        scan.summary,
        ScanSummary {
            observations: 3,
            new: 0,
            unchanged: 3,
            fixed: 0,
            reopened: 0
        }
    );
    let issues = all_issues(s).await;
    assert_eq!(issues.len(), 3, "no issue opened, none dropped");
    let sqli = issues.iter().find(|i| i.rule_id == "sqli").unwrap();
    let d = s.issue_detail(sqli.id).await.unwrap().unwrap();
    let moved: Vec<&str> = d
        .events
        .iter()
        .filter(|e| e.event == "moved")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        moved,
        ["moved from app/db.py:10 to lib/storage.py:10 (renamed file, same code)"]
    );
    assert_eq!(d.observations.iter().filter(|o| o.active).count(), 1);
    // A second rescan of the renamed file changes nothing.
    let again = ingest(s, &Report::new("shop", "semgrep", 2), after()).await;
    assert_eq!((again.summary.new, again.summary.fixed), (0, 0));
}

/// The prior index hands back one note per stored code observation, with its issue's key.
pub async fn correlation_notes_cover_every_observation(b: &Backend) {
    let s = b.store.as_ref();
    let obs: Vec<_> = (0..30)
        .map(|n| code("bandit", "B608", &format!("m{n}.py"), n, &format!("q{n}()")))
        .collect();
    ingest(s, &Report::new("shop", "bandit", 0), obs).await;
    let mut seen = Vec::new();
    s.correlation_notes("shop", &mut |key, note| seen.push((key, note)))
        .await
        .unwrap();
    assert_eq!(seen.len(), 30);
    let keys: std::collections::HashSet<String> =
        all_issues(s).await.into_iter().map(|i| i.key).collect();
    for (key, note) in &seen {
        assert!(keys.contains(key));
        let note: rampart_engine::CorrelationNote = serde_json::from_str(note).unwrap();
        assert_eq!(&note.own_key, key, "unmerged: its own key names its issue");
        assert_eq!(note.anchor.unwrap().class, "sql-injection");
    }
    let mut none = 0;
    s.correlation_notes("no-such-app", &mut |_, _| none += 1)
        .await
        .unwrap();
    assert_eq!(none, 0);
}
