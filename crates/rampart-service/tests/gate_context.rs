//! The gate's context from the catalog and the store, on real corpus files: `distributed:`
//! and the licenses of the packages a branch's SBOM adds (proton-bridge's real CycloneDX
//! SBOMs), the SLA rule on a long-lived branch in production and in staging (a real Trivy
//! report), the catalog's per-application SLA days, and each decision recorded and read back
//! by the compliance report as "policies passing".

mod common;

use common::{store, write_json};
use rampart_engine::policy::{PolicySource, default_bundle};
use rampart_formats::corpus;
use rampart_formats::gate_out::{GateChange, GateReport};
use rampart_service::catalog;
use rampart_service::compliance::{self, ComplianceOptions, PolicyResults};
use rampart_service::gate::{GateOptions, run_gate};
use rampart_store::{AppScope, Store};
use serde_json::Value;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-10-01 09:00 UTC);

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn opts(app: &str, branch: &str, at: OffsetDateTime) -> GateOptions {
    let mut o = GateOptions::new(app, branch);
    o.tool_version = "0.1.0-test".into();
    o.at = Some(at);
    o
}

fn apply_catalog(store: &dyn Store, dir: &Path, yaml: &str) -> impl std::future::Future {
    let path = dir.join("catalog.yaml");
    std::fs::write(&path, yaml).unwrap();
    async move {
        catalog::apply_files(store, &[path.as_path()], T0)
            .await
            .expect("catalog applies")
    }
}

/// Every result of the introduced findings, as `level policy`.
fn verdicts(r: &GateReport) -> Vec<String> {
    r.with_change(GateChange::New)
        .flat_map(|f| {
            f.results
                .iter()
                .map(|x| format!("{} {}", x.level, x.policy))
        })
        .collect()
}

/// proton-bridge 1.8.0's SBOM without the component named `drop` (the baseline before the
/// change that added it).
fn sbom_without(dir: &Path, drop: &str) -> Option<(PathBuf, PathBuf)> {
    let full =
        corpus::file("cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json")?;
    let mut v = read(&full);
    let comps = v["components"].as_array_mut().unwrap();
    let before = comps.len();
    comps.retain(|c| c["name"] != drop);
    assert_eq!(comps.len(), before - 1, "{drop} is in the SBOM once");
    Some((write_json(dir, "main.cdx.json", &v), full))
}

#[tokio::test]
async fn copyleft_packages_a_branch_adds_are_denied_in_distributed_apps() {
    let (store, tmp) = store().await;
    let s = store.as_ref();
    let qt = "github.com/therecipe/qt";
    let Some((main, full)) = sbom_without(tmp.path(), qt) else {
        return;
    };
    apply_catalog(
        s,
        tmp.path(),
        "applications:\n  - id: bridge\n    distributed: true\n  - id: bridge-saas\n    exposure: internet\n",
    )
    .await;
    for app in ["bridge", "bridge-saas"] {
        let base = run_gate(s, std::slice::from_ref(&main), &opts(app, "main", T0))
            .await
            .expect("baseline");
        assert!(base.report.passed, "{:?}", verdicts(&base.report));
    }

    // The branch adds the Qt binding, LGPL-3.0 in the real SBOM: the catalog says `bridge` is
    // distributed, so the copyleft rule denies it, and only it.
    let at = T0 + time::Duration::hours(1);
    let out = run_gate(
        s,
        std::slice::from_ref(&full),
        &opts("bridge", "feature/ui", at),
    )
    .await
    .expect("gate");
    let r = &out.report;
    assert!(!r.passed);
    let denied: Vec<_> = r
        .with_change(GateChange::New)
        .filter(|f| f.denied())
        .collect();
    assert_eq!(denied.len(), 1, "{:?}", verdicts(r));
    let f = denied[0];
    assert_eq!(f.issue.rule_id, "LGPL-3.0");
    assert!(
        f.issue.title.starts_with("github.com/therecipe/qt "),
        "{}",
        f.issue.title
    );
    assert_eq!(f.results[0].policy, "no-copyleft-in-distributed-apps");
    assert!(
        f.results[0].msg.contains("bridge is distributed"),
        "{}",
        f.results[0].msg
    );
    let input = out
        .inputs
        .iter()
        .find(|i| i.issue.license.as_deref() == Some("LGPL-3.0"))
        .expect("the license was judged");
    assert!(input.application.distributed);
    assert_eq!(
        input.issue.component.as_ref().unwrap().purl.as_deref(),
        Some("pkg:golang/github.com/therecipe/qt@v0.0.0-20200701200531-7f61353ee73e")
    );

    // `--distributed=false` overrides the catalog: the same change passes.
    let mut o = opts("bridge", "feature/ui-2", at);
    o.distributed = Some(false);
    let out = run_gate(s, std::slice::from_ref(&full), &o).await.unwrap();
    assert!(out.report.passed, "{:?}", verdicts(&out.report));
    assert!(!out.inputs.iter().any(|i| i.application.distributed));

    // Not distributed per the catalog: LGPL is no network copyleft, nothing to say.
    let out = run_gate(
        s,
        std::slice::from_ref(&full),
        &opts("bridge-saas", "feature/ui", at),
    )
    .await
    .unwrap();
    assert!(out.report.passed, "{:?}", verdicts(&out.report));

    // A package the baseline already has under that license is not introduced: 1.6.3 has the
    // same Qt binding, and 1.8.0 only moves seven packages to other versions under the same
    // licenses, so 1.8.0 judged against 1.6.3 introduces no license at all.
    let Some(old) =
        corpus::file("cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json")
    else {
        return;
    };
    let out = run_gate(
        s,
        std::slice::from_ref(&old),
        &opts("bridge", "release/1.6", at),
    )
    .await
    .unwrap();
    // (against main, which lacks it, 1.6.3 does add the LGPL binding)
    assert!(!out.report.passed);
    let introduced = rampart_service::gate_sbom::introduced_licenses(
        s,
        "bridge",
        "bridge",
        "feature/ui",
        "release/1.6",
    )
    .await
    .unwrap();
    assert!(introduced.is_empty(), "{introduced:?}");
    let back = rampart_service::gate_sbom::introduced_licenses(
        s,
        "bridge",
        "bridge",
        "feature/ui",
        "main",
    )
    .await
    .unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].package, "pkg:golang/github.com/therecipe/qt");
}

/// alpine 3.9's real Trivy report: on main without its vulnerabilities, on the branch whole
/// (2 critical, 4 medium).
fn trivy_pair(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let full = corpus::file("trivy-golden/alpine-39.json.golden")?;
    let mut v = read(&full);
    for r in v["Results"].as_array_mut().unwrap() {
        r["Vulnerabilities"] = Value::Array(Vec::new());
    }
    let main = write_json(dir, "alpine-main.json", &v);
    let branch = write_json(dir, "alpine-branch.json", &read(&full));
    Some((main, branch))
}

/// Only the SLA rule (with the helpers it imports), so the decision is that rule's.
fn sla_rule_only(o: &mut GateOptions) {
    o.default_policies = false;
    o.policies = default_bundle()
        .into_iter()
        .filter(|p: &PolicySource| p.path.ends_with("lib.rego") || p.path.ends_with("sla.rego"))
        .collect();
    assert_eq!(o.policies.len(), 2);
}

#[tokio::test]
async fn a_critical_past_its_sla_fails_in_production_and_warns_in_staging() {
    let (store, tmp) = store().await;
    let s = store.as_ref();
    let Some((main, branch)) = trivy_pair(tmp.path()) else {
        return;
    };
    apply_catalog(
        s,
        tmp.path(),
        "applications:
  - id: shop
    tier: 1
    environments:
      - {name: production, branch: main}
  - id: shop-staging
    tier: 1
    environments:
      - {name: staging, branch: main}
  - id: shop-relaxed
    tier: 1
    environments:
      - {name: production, branch: main}
    sla:
      critical: 30
",
    )
    .await;
    let run = |app: &'static str, report: PathBuf, branch: &'static str, at| {
        let mut o = opts(app, branch, at);
        sla_rule_only(&mut o);
        async move { run_gate(s, &[report], &o).await.expect("gate") }
    };
    for app in ["shop", "shop-staging", "shop-relaxed"] {
        assert!(run(app, main.clone(), "main", T0).await.report.passed);
        // The long-lived branch first brings the criticals in: due in 7 days (tier 1).
        let first = run(app, branch.clone(), "release/2.0", T0).await;
        assert!(first.report.passed, "{app}: {:?}", verdicts(&first.report));
        let crit: Vec<_> = first
            .inputs
            .iter()
            .filter(|i| i.issue.severity == "critical")
            .collect();
        assert_eq!(crit.len(), 2, "{app}");
        let days = if app == "shop-relaxed" { 30 } else { 7 };
        assert!(
            crit.iter()
                .all(|i| i.issue.sla.as_ref().unwrap().days_left == days - 1
                    || i.issue.sla.as_ref().unwrap().days_left == days),
            "{app}: {:?}",
            crit.iter().map(|i| &i.issue.sla).collect::<Vec<_>>()
        );
    }

    // Twenty days later the branch is still not merged and still has them.
    let later = T0 + time::Duration::days(20);
    let prod = run("shop", branch.clone(), "release/2.0", later).await;
    assert!(!prod.report.passed, "production: exit 1");
    let v = verdicts(&prod.report);
    assert_eq!(
        v.iter()
            .filter(|x| *x == "deny no-critical-past-sla-in-production")
            .count(),
        2,
        "{v:?}"
    );
    let breached = prod
        .inputs
        .iter()
        .find(|i| i.issue.severity == "critical")
        .unwrap();
    assert!(breached.application.production);
    let sla = breached.issue.sla.as_ref().unwrap();
    assert!(sla.breached && sla.days_left <= -13, "{sla:?}");

    let staging = run("shop-staging", branch.clone(), "release/2.0", later).await;
    assert!(staging.report.passed, "staging: exit 0");
    let v = verdicts(&staging.report);
    assert_eq!(
        v.iter()
            .filter(|x| *x == "warn critical-past-sla-outside-production")
            .count(),
        2,
        "{v:?}"
    );
    assert!(!v.iter().any(|x| x.starts_with("deny")), "{v:?}");

    // The catalog gives shop-relaxed 30 days for criticals: not past due, nothing said.
    let relaxed = run("shop-relaxed", branch.clone(), "release/2.0", later).await;
    assert!(relaxed.report.passed);
    assert!(verdicts(&relaxed.report).is_empty());
    let policy = rampart_service::sla::policy(s).await.unwrap();
    assert_eq!(
        policy.days_for("shop-relaxed", Some(1), rampart_model::Severity::Critical),
        Some(30)
    );
    assert_eq!(
        policy.days_for("shop", Some(1), rampart_model::Severity::Critical),
        Some(7)
    );
}

#[tokio::test]
async fn gate_decisions_are_the_compliance_reports_policy_evidence() {
    let (store, tmp) = store().await;
    let s = store.as_ref();
    let (Some(semgrep), Some(gitleaks)) = (
        corpus::file("real-scans/vulpy/semgrep.json"),
        corpus::file("real-scans/vulpy/gitleaks.json"),
    ) else {
        return;
    };
    // No decision yet: PCI DSS 6.2.4 asks for the gate policy, which is not evaluated.
    rampart_service::ingest::ingest_path(
        s,
        &semgrep,
        &rampart_service::IngestOptions::new("vulpy"),
        Default::default(),
    )
    .await
    .unwrap();
    let report = |policies: PolicyResults| {
        let o = ComplianceOptions {
            framework: "pci-dss".into(),
            scope: AppScope::default(),
            now: T0 + time::Duration::days(1),
            policies,
        };
        async move { compliance::report(s, &o).await.expect("report") }
    };
    let gate_evidence = |r: &rampart_engine::compliance::ComplianceReport| -> Value {
        let v = serde_json::to_value(r).unwrap();
        let app = &v["applications"][0];
        app["controls"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["evidence"].as_array().unwrap().clone())
            .find(|e| e["kind"] == "policy" && e["requirement"] == "policy `gate` passes")
            .expect("a control asks for the gate policy")
    };
    let none = gate_evidence(&report(PolicyResults::new()).await);
    assert_eq!(none["verdict"], "not_evaluated", "{none:#}");

    // A failing gate on a branch that adds a leaked key: recorded, and the report says gap.
    let main = tmp.path().join("main.json");
    let mut v = read(&semgrep);
    v["results"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["path"] != "good/libsession.py");
    std::fs::write(&main, v.to_string()).unwrap();
    run_gate(s, std::slice::from_ref(&main), &opts("vulpy", "main", T0))
        .await
        .unwrap();
    let failed = run_gate(
        s,
        &[semgrep.clone(), gitleaks],
        &opts("vulpy", "feature/keys", T0 + time::Duration::hours(2)),
    )
    .await
    .unwrap();
    assert!(!failed.report.passed);
    let recorded = s.latest_gate_decisions(&AppScope::default()).await.unwrap();
    assert_eq!(recorded.len(), 1);
    let d = &recorded[0];
    assert_eq!((d.branch.as_str(), d.passed), ("feature/keys", false));
    assert!(d.denied >= 1 && d.introduced >= d.denied);
    assert!(!d.outcomes["gate"].passed);
    assert!(!d.outcomes["rampart.secrets"].passed);
    assert!(d.outcomes["rampart.kev"].passed);
    let gap = gate_evidence(&report(PolicyResults::new()).await);
    assert_eq!(gap["verdict"], "gap", "{gap:#}");
    assert!(
        gap.to_string()
            .contains("rampart gate on feature/keys against main"),
        "{gap:#}"
    );
    assert!(gap.to_string().contains("no-secrets"), "{gap:#}");

    // --policy-results still wins for the policies it names.
    let mut given = PolicyResults::new();
    given.entry("vulpy".into()).or_default().insert(
        "gate".into(),
        rampart_engine::compliance::PolicyOutcome {
            passed: true,
            messages: vec!["signed off".into()],
        },
    );
    assert_eq!(gate_evidence(&report(given).await)["verdict"], "pass");

    // The next decision (the key removed again) passes: the latest counts.
    // Gitleaks ran and found nothing: its SARIF log (which names the tool, where its JSON
    // report would be a bare `[]`) with no result.
    let Some(sarif) = corpus::file("real-scans/vulpy/gitleaks.sarif") else {
        return;
    };
    let mut clean: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    clean["runs"][0]["results"] = serde_json::json!([]);
    let no_leaks = tmp.path().join("no-leaks.sarif");
    std::fs::write(&no_leaks, clean.to_string()).unwrap();
    let fixed = run_gate(
        s,
        &[main, no_leaks],
        &opts("vulpy", "feature/keys", T0 + time::Duration::hours(3)),
    )
    .await
    .unwrap();
    assert!(fixed.report.passed);
    let pass = gate_evidence(&report(PolicyResults::new()).await);
    assert_eq!(pass["verdict"], "pass", "{pass:#}");
}
