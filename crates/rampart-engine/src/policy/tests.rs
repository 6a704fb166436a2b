//! The policy engine on the default bundle and on broken policies.

use super::*;

#[test]
fn default_bundle_tests_pass() {
    let results = run_tests(&default_bundle()).expect("default bundle loads");
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    assert!(
        failed.is_empty(),
        "failing default-bundle tests: {failed:#?}"
    );
    // Every test file contributes; a test rule the runner missed would shrink this.
    for file in ["lib", "kev", "sla", "secrets", "licenses", "severity"] {
        let path = format!("default/{file}_test.rego");
        assert!(
            results.iter().filter(|r| r.file == path).count() >= 3,
            "{path}: too few tests found"
        );
    }
}

#[test]
fn a_parse_error_names_file_and_line() {
    let broken = PolicySource::new(
        "team/broken.rego",
        "package team.broken\n\ndeny contains msg if {\n  input.x ==\n}\n",
    );
    let err = PolicySet::new(&[broken]).unwrap_err();
    let PolicyError::Load { file, line, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(file, "team/broken.rego");
    assert!((4..=5).contains(line), "{err}");
    assert!(err.to_string().starts_with("team/broken.rego:"), "{err}");
}

#[test]
fn an_eval_error_names_file_and_line() {
    // A complete rule with two values is a conflict OPA reports at evaluation.
    let src = PolicySource::new(
        "team/conflict.rego",
        "package team.conflict\n\nlimit := 1 if input.a\n\nlimit := 2 if input.b\n\ndeny contains msg if {\n  limit > 0\n  msg := \"x\"\n}\n",
    );
    let mut set = PolicySet::new(&[src]).expect("loads");
    let err = set
        .evaluate_json(serde_json::json!({"a": true, "b": true}))
        .unwrap_err();
    let PolicyError::Eval { file, line, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(file, "team/conflict.rego", "{err}");
    assert!(*line >= 3, "{err}");
}

#[test]
fn messages_may_be_strings_or_objects() {
    let src = PolicySource::new(
        "p.rego",
        "package p\n\ndeny contains \"plain\" if input.a\n\nwarn contains {\"msg\": \"obj\", \"policy\": \"named\", \"n\": 2} if input.a\n",
    );
    let mut set = PolicySet::new(&[src]).unwrap();
    let r = set.evaluate_json(serde_json::json!({"a": true})).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].level, r[0].msg.as_str(), r[0].policy.as_str()),
        (Level::Deny, "plain", "p")
    );
    assert_eq!(
        (r[1].level, r[1].msg.as_str(), r[1].policy.as_str()),
        (Level::Warn, "obj", "named")
    );
    assert_eq!(r[1].details["n"], 2);
    assert!(
        set.evaluate_json(serde_json::json!({"a": false}))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_failing_test_is_reported() {
    let srcs = vec![
        PolicySource::new("p.rego", "package p\n\ndeny contains \"x\" if input.a\n"),
        PolicySource::new(
            "p_test.rego",
            "package p_test\n\nimport data.p\n\ntest_denies if {\n  count(p.deny) == 1 with input as {\"a\": true}\n}\n\ntest_wrong if {\n  count(p.deny) == 1 with input as {\"a\": false}\n}\n",
        ),
    ];
    let r = run_tests(&srcs).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].name.as_str(), &r[0].outcome),
        ("test_denies", &TestOutcome::Pass)
    );
    assert_eq!(
        (r[1].name.as_str(), r[1].line, &r[1].outcome),
        ("test_wrong", 9, &TestOutcome::Fail)
    );
}
