//! The CI gate on real reports: a baseline (`main`) and a feature branch built from the same
//! corpus scans (the branch adds the findings of one file and a leaked secret, and no longer
//! has those of another file), a branch that only fixes, KEV in production from a real Trivy
//! report with the real CISA KEV feed, and the written SARIF validated against the OASIS
//! SARIF 2.1.0 schema.

mod common;

use common::{store, write_json};
use rampart_engine::policy::PolicySource;
use rampart_formats::corpus;
use rampart_formats::gate_out::{GateChange, GateReport, gitlab, junit, markdown, sarif};
use rampart_service::catalog;
use rampart_service::gate::{GateOptions, run_gate};
use serde_json::Value;
use std::path::{Path, PathBuf};
use time::macros::datetime;

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read report")).expect("json report")
}

/// The Semgrep report without the results in `path`.
fn semgrep_without(report: &Value, path: &str) -> Value {
    let mut r = report.clone();
    r["results"]
        .as_array_mut()
        .expect("results")
        .retain(|x| x["path"] != path);
    r
}

fn count_in(report: &Value, path: &str) -> usize {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["path"] == path)
        .count()
}

fn opts(branch: &str, n: i64) -> GateOptions {
    let mut o = GateOptions::new("vulpy", branch);
    o.tool_version = "0.1.0-test".into();
    o.at = Some(datetime!(2026-11-27 10:00 UTC) + time::Duration::minutes(n));
    o
}

/// vulpy's baseline on `main`: Semgrep without `bad/api_post.py` and `good/libsession.py`
/// (the files the feature branch adds; no secret scanner ran on main yet). Returns the corpus
/// Semgrep report and the Gitleaks path.
async fn baseline(store: &dyn rampart_store::Store, dir: &Path) -> Option<(Value, PathBuf)> {
    let semgrep = corpus::file("real-scans/vulpy/semgrep.json")?;
    let gitleaks = corpus::file("real-scans/vulpy/gitleaks.json")?;
    let full = read(&semgrep);
    let base = semgrep_without(
        &semgrep_without(&full, "bad/api_post.py"),
        "good/libsession.py",
    );
    let base = write_json(dir, "main-semgrep.json", &base);
    let mut o = opts("main", 0);
    o.baseline = "main".into();
    let first = run_gate(store, &[base], &o).await.expect("baseline gate");
    // The baseline judged against itself introduces nothing.
    assert_eq!(first.report.with_change(GateChange::New).count(), 0);
    assert!(first.report.passed);
    Some((full, gitleaks))
}

#[tokio::test]
async fn a_feature_branch_fails_only_on_what_it_introduces() {
    let (store, tmp) = store().await;
    let Some((full, gitleaks)) = baseline(store.as_ref(), tmp.path()).await else {
        return;
    };
    // The branch: adds api_post.py's findings and the leaked key, removes ca-csr-load.py's.
    let branch = write_json(
        tmp.path(),
        "feature-semgrep.json",
        &semgrep_without(&full, "utils/ca-csr-load.py"),
    );
    assert_eq!(count_in(&full, "bad/api_post.py"), 5);
    assert_eq!(count_in(&full, "utils/ca-csr-load.py"), 4);
    let out = run_gate(
        store.as_ref(),
        &[branch.clone(), gitleaks.clone()],
        &opts("feature/posts-api", 1),
    )
    .await
    .expect("gate");
    let r = &out.report;
    assert!(out.baseline_scanned);
    let new: Vec<_> = r.with_change(GateChange::New).collect();
    let fixed: Vec<_> = r.with_change(GateChange::Fixed).collect();
    // Introduced: the secret and the issues of api_post.py; nothing elsewhere.
    // The secret Gitleaks found is where Semgrep flags a hard-coded key: one issue.
    let secret = out
        .inputs
        .iter()
        .find(|i| i.issue.secret)
        .expect("an introduced secret");
    assert_eq!(
        secret.issue.location.file.as_deref(),
        Some("good/libsession.py")
    );
    assert!(secret.observations.iter().any(|o| o.tool == "gitleaks"));
    for f in &new {
        let file = f.file().unwrap_or_default();
        assert!(
            file == "bad/api_post.py" || file == "good/libsession.py",
            "unexpected introduced issue at {file}: {}",
            f.issue.title
        );
    }
    let api_post = new
        .iter()
        .filter(|f| f.file() == Some("bad/api_post.py"))
        .count();
    assert!((1..=5).contains(&api_post), "{api_post}");
    // Fixed: exactly the files the branch no longer reports.
    assert!(!fixed.is_empty());
    assert!(
        fixed
            .iter()
            .all(|f| f.file() == Some("utils/ca-csr-load.py"))
    );
    // Pre-existing issues are reported, not judged.
    let unchanged: Vec<_> = r.with_change(GateChange::Unchanged).collect();
    assert!(unchanged.len() > 50, "{}", unchanged.len());
    assert!(unchanged.iter().all(|f| f.results.is_empty()));
    // The verdict: the secret is denied, with the policy that said so.
    assert!(!r.passed);
    let denials: Vec<_> = r.denials().collect();
    assert!(
        denials
            .iter()
            .any(|(f, d)| f.file() == Some("good/libsession.py")
                && d.policy == "no-secrets"
                && d.file == "default/secrets.rego"),
        "{denials:#?}"
    );
    assert_eq!(out.inputs.len(), new.len());
    // The SLA policy in force gives the introduced issues their deadlines (`issue.sla`).
    assert!(out.inputs.iter().any(|i| {
        i.issue
            .sla
            .as_ref()
            .is_some_and(|s| !s.breached && s.days_left > 0)
    }));
    assert!(out.inputs.iter().all(|i| i.change.as_str() == "new"));

    check_outputs(r, tmp.path());

    // The same branch again: same verdict, same fingerprints (SARIF partialFingerprints are
    // Rampart's identity keys, stable across runs).
    let again = run_gate(
        store.as_ref(),
        &[branch, gitleaks],
        &opts("feature/posts-api", 2),
    )
    .await
    .expect("second gate");
    let keys = |r: &GateReport| {
        let mut k: Vec<String> = r.findings.iter().map(|f| f.issue.key.clone()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&again.report), keys(r));
    assert!(!again.report.passed);
}

#[tokio::test]
async fn a_branch_that_only_fixes_passes_and_a_pre_existing_secret_is_not_judged() {
    let (store, tmp) = store().await;
    let Some((full, gitleaks)) = baseline(store.as_ref(), tmp.path()).await else {
        return;
    };
    // A branch that removes findings from the baseline: nothing introduced.
    let fixes = semgrep_without(
        &semgrep_without(
            &semgrep_without(&full, "bad/api_post.py"),
            "good/libsession.py",
        ),
        "utils/ca-csr-load.py",
    );
    let fixes = write_json(tmp.path(), "fix-semgrep.json", &fixes);
    let out = run_gate(store.as_ref(), &[fixes], &opts("fix/ca", 1))
        .await
        .expect("gate");
    assert!(out.report.passed);
    assert_eq!(out.report.with_change(GateChange::New).count(), 0);
    assert!(out.report.with_change(GateChange::Fixed).count() >= 1);
    let md = markdown::write(&out.report);
    assert!(md.contains("✅ Rampart gate passed"), "{md}");
    assert!(md.contains("### Fixed issues"), "{md}");

    // The secret lands on main; a later branch that still has it passes: not introduced.
    let mut o = opts("main", 2);
    o.baseline = "main".into();
    run_gate(store.as_ref(), std::slice::from_ref(&gitleaks), &o)
        .await
        .expect("main");
    let out = run_gate(store.as_ref(), &[gitleaks], &opts("feature/other", 3))
        .await
        .expect("gate");
    assert_eq!(out.report.with_change(GateChange::Unchanged).count(), 1);
    assert!(
        out.report.passed,
        "{:#?}",
        out.report.denials().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn kev_in_production_is_denied_and_outside_production_warned() {
    let Some(trivy) = corpus::file("trivy-golden/spring4shell-jre8.json.golden") else {
        return;
    };
    let Some(kev) = corpus::file("intel/cisa-kev/known_exploited_vulnerabilities.json") else {
        return;
    };
    let (store, tmp) = store().await;
    rampart_service::feeds::import(store.as_ref(), &[kev])
        .await
        .expect("KEV feed");
    let catalog_file = tmp.path().join("catalog.yaml");
    std::fs::write(
        &catalog_file,
        "applications:\n  - id: petclinic\n    tier: 1\n    exposure: internet\n    owner: team-pets\n    security_champion: ana@example.com\n    default_branches: [main]\n    environments:\n      - name: production\n        branch: main\n      - name: staging\n        branch: release\n",
    )
    .unwrap();
    catalog::apply_files(
        store.as_ref(),
        &[catalog_file.as_path()],
        datetime!(2026-11-27 9:00 UTC),
    )
    .await
    .expect("catalog");
    // main before the upgrade that brings the vulnerable spring-beans: no vulnerability.
    let mut report = read(&trivy);
    let mut clean = report.clone();
    for r in clean["Results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("Vulnerabilities");
    }
    let clean = write_json(tmp.path(), "main-trivy.json", &clean);
    let mut o = GateOptions::new("petclinic", "main");
    o.at = Some(datetime!(2026-11-27 10:00 UTC));
    assert!(
        run_gate(store.as_ref(), &[clean], &o)
            .await
            .unwrap()
            .report
            .passed
    );
    report["ArtifactName"] = Value::from("petclinic");
    let branch = write_json(tmp.path(), "feature-trivy.json", &report);

    let mut o = GateOptions::new("petclinic", "feature/spring-upgrade");
    o.at = Some(datetime!(2026-11-27 11:00 UTC));
    let out = run_gate(store.as_ref(), std::slice::from_ref(&branch), &o)
        .await
        .expect("gate");
    let r = &out.report;
    let new: Vec<_> = r.with_change(GateChange::New).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].issue.rule_id, "CVE-2022-22965");
    assert_eq!(new[0].fix_versions, vec!["5.3.18".to_string()]);
    let input = &out.inputs[0];
    assert!(input.issue.kev, "the KEV feed names CVE-2022-22965");
    assert!(input.application.production);
    assert_eq!(input.application.criticality.as_deref(), Some("critical"));
    assert_eq!(
        input.issue.component.as_ref().map(|c| c.name.as_str()),
        Some("org.springframework:spring-beans")
    );
    assert!(!r.passed);
    assert!(r.denials().any(|(_, d)| d.policy == "no-kev-in-production"));
    assert_eq!(r.team.as_deref(), Some("team-pets"));
    let md = markdown::write(r);
    assert!(md.contains("5.3.18") && md.contains("team-pets"), "{md}");
    assert!(md.contains("no-kev-in-production"), "{md}");
    let dep = gitlab::write(r, gitlab::ReportKind::DependencyScanning);
    assert_eq!(dep["vulnerabilities"].as_array().unwrap().len(), 1);
    assert_eq!(
        dep["vulnerabilities"][0]["location"]["dependency"]["version"],
        "5.3.15"
    );
    assert_eq!(
        dep["vulnerabilities"][0]["identifiers"][0]["value"],
        "CVE-2022-22965"
    );

    // Judged against a baseline that runs in staging, KEV is a warning, not a failure.
    let mut o = GateOptions::new("petclinic", "feature/spring-upgrade");
    o.baseline = "release".into();
    o.at = Some(datetime!(2026-11-27 12:00 UTC));
    let out = run_gate(store.as_ref(), &[branch], &o).await.expect("gate");
    assert!(!out.baseline_scanned);
    assert!(
        out.report.passed,
        "{:#?}",
        out.report.denials().collect::<Vec<_>>()
    );
    assert!(
        out.report.findings[0]
            .results
            .iter()
            .any(|x| x.policy == "kev-outside-production" && x.level == "warn")
    );
}

#[tokio::test]
async fn a_broken_user_policy_fails_before_anything_is_stored() {
    let Some(semgrep) = corpus::file("real-scans/vulpy/semgrep.json") else {
        return;
    };
    let (store, _tmp) = store().await;
    let mut o = opts("feature/x", 0);
    o.policies = vec![PolicySource::new(
        "team/typo.rego",
        "package team.typo\n\ndeny contains msg if {\n  input.issue.kind = = \"code\"\n}\n",
    )];
    let err = run_gate(store.as_ref(), &[semgrep], &o).await.unwrap_err();
    assert!(err.to_string().contains("team/typo.rego:4"), "{err}");
    assert!(store.list_scans(None, 10).await.unwrap().is_empty());
}

/// The SARIF validates against the OASIS schema and carries what GitHub needs; JUnit and
/// GitLab say the same as the report.
fn check_outputs(r: &GateReport, dir: &Path) {
    let log = sarif::write(r);
    if let Some(schema) = corpus::file("sarif/oasis-sarif-spec/schema/sarif-schema-2.1.0.json") {
        let schema = read(&schema);
        let validator = jsonschema::validator_for(&schema).expect("SARIF schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
        // The validator does reject what the schema forbids.
        let mut bad = log.clone();
        bad["runs"][0]["results"][0]["baselineState"] = Value::from("gone");
        assert!(validator.iter_errors(&bad).next().is_some());
    }
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), r.findings.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for res in results {
        let key = res["partialFingerprints"][sarif::FINGERPRINT]
            .as_str()
            .unwrap();
        let f = r.findings.iter().find(|f| f.issue.key == key).unwrap();
        let state = match f.change {
            GateChange::New => "new",
            GateChange::Unchanged => "unchanged",
            GateChange::Fixed => "absent",
        };
        assert_eq!(res["baselineState"], state);
        let rule = &rules[res["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], res["ruleId"]);
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        if f.denied() {
            assert_eq!(res["level"], "error");
        }
    }
    let secret = results
        .iter()
        .find(|x| {
            x["message"]["text"]
                .as_str()
                .unwrap()
                .contains("no-secrets")
        })
        .expect("the denied secret");
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "good/libsession.py"
    );
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["region"]["startLine"],
        9
    );

    let xml = junit::write(r);
    let denied_cases = r
        .denials()
        .map(|(f, d)| (f.issue.id, d.package.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(
        xml.contains(&format!("failures=\"{denied_cases}\" errors=\"0\">")),
        "{xml}"
    );
    assert!(xml.contains("<testsuite name=\"rampart.secrets\""), "{xml}");
    std::fs::write(dir.join("junit.xml"), &xml).unwrap();

    let md = markdown::write(r);
    assert!(md.contains("❌ Rampart gate failed"));
    assert!(
        md.contains("### Why it failed") && md.contains("no-secrets"),
        "{md}"
    );
    assert!(md.contains("### New issues") && md.contains("### Fixed issues"));
    assert!(!md.contains("<script"), "report text is escaped");

    let sast = gitlab::write(r, gitlab::ReportKind::Sast);
    let n = sast["vulnerabilities"].as_array().unwrap().len();
    assert_eq!(
        n,
        r.findings
            .iter()
            .filter(|f| f.change != GateChange::Fixed)
            .count()
    );
    assert_eq!(sast["scan"]["type"], "sast");
    assert!(
        sast["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["id"].as_str().unwrap().len() == 36
                && !v["identifiers"].as_array().unwrap().is_empty())
    );
}
