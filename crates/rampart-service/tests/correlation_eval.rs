//! Cross-tool correlation measured against the corpus's hand-labelled real scans
//! (`real-scans/LABELS.json`): pairwise precision and recall of "same issue" per target.

mod common;

use common::store;
use rampart_formats::corpus;
use rampart_service::eval::{evaluate_target, labelled_targets};

#[tokio::test]
async fn precision_and_recall_meet_the_goal_on_every_labelled_target() {
    let Some(real_scans) = corpus::file("real-scans") else {
        eprintln!("corpus not found: skipping");
        return;
    };
    let targets = labelled_targets(&real_scans).unwrap();
    assert_eq!(targets.len(), 3, "{targets:?}");
    for t in &targets {
        let (store, _tmp) = store().await;
        let s = evaluate_target(store.as_ref(), &real_scans, t)
            .await
            .unwrap();
        println!(
            "{t}: {} reports, {} issues from {} observations; {} labelled findings, {} same-issue pairs: \
             {} merged, {} wrongly merged, {} missed; precision {:.3}, recall {:.3}",
            s.reports.len(),
            s.issues,
            s.observations,
            s.members,
            s.positives,
            s.true_positives,
            s.false_positives,
            s.false_negatives,
            s.precision(),
            s.recall()
        );
        for e in &s.errors {
            println!("  {e}");
        }
        assert!(s.unlocated.is_empty(), "{t}: {:?}", s.unlocated);
        assert!(s.positives > 0, "{t}: the labels have same-issue groups");
        assert!(s.precision() >= 0.98, "{t}: precision {:.3}", s.precision());
        assert!(s.recall() >= 0.95, "{t}: recall {:.3}", s.recall());
    }
}

#[tokio::test]
async fn every_merge_is_explained_with_its_evidence() {
    let Some(real_scans) = corpus::file("real-scans") else {
        return;
    };
    let (store, _tmp) = store().await;
    let s = store.as_ref();
    evaluate_target(s, &real_scans, "vulpy").await.unwrap();
    let issues = s
        .list_issues(&rampart_store::IssueQuery {
            application: Some("vulpy".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // good/vulpy.py:17: Bandit B105, detect-secrets (two plugins) and Semgrep: one secret.
    let secret = issues
        .iter()
        .find(|i| i.location == "good/vulpy.py:17")
        .expect("the hard-coded secret key of good/vulpy.py");
    let detail = s.issue_detail(secret.id).await.unwrap().unwrap();
    let tools: std::collections::BTreeSet<&str> = detail
        .observations
        .iter()
        .map(|o| o.tool.as_str())
        .collect();
    assert_eq!(
        tools.into_iter().collect::<Vec<_>>(),
        ["bandit", "detect-secrets", "semgrep"]
    );
    assert_eq!(detail.observations.len(), 4);
    let mut explained = 0;
    for o in &detail.observations {
        let note = &o.observation["correlation"];
        assert!(note["own_key"].is_string(), "{note}");
        if note["own_key"].as_str() == Some(detail.issue.key.as_str()) {
            assert!(note["merged"].is_null());
            continue;
        }
        let evidence: Vec<&str> = note["merged"]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            evidence[0].starts_with("same weakness class hardcoded-secret"),
            "{evidence:?}"
        );
        assert!(evidence.contains(&"same line"), "{evidence:?}");
        assert!(
            evidence.last().unwrap().starts_with("with "),
            "{evidence:?}"
        );
        explained += 1;
    }
    assert_eq!(explained, 3);
}
