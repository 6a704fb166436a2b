//! `rampart sla` and `rampart compliance` as a user runs them, on real scans: the corpus's
//! reports of vulpy (semgrep, bandit, gitleaks, trivy, a CycloneDX SBOM) and trivy's scan of an
//! Alpine image ingested into an application the catalog ranks tier 1 with card data, judged at
//! later times (`--as-of`).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn rampart(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RAMPART_USER", "alice")
        .output()
        .expect("run rampart")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn json(out: Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

const CATALOG: &str = "applications:
  - id: vulpy
    name: Vulpy
    tier: 1
    data_classification: [restricted, PCI]
    exposure: internet
    owner: team-web
";

/// The control `id` of the only application of a JSON report.
fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["applications"][0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn sla_breaches_and_pci_report_on_real_scans() {
    let Some(corpus) = rampart_formats::corpus::dir() else {
        return;
    };
    let vulpy = corpus.join("real-scans/vulpy");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sla.db");
    let catalog = tmp.path().join("catalog.yaml");
    std::fs::write(&catalog, CATALOG).unwrap();
    ok(rampart(&db, &["apps", "apply", catalog.to_str().unwrap()]));
    let start = OffsetDateTime::now_utc();
    let files: Vec<String> = [
        "semgrep.json",
        "bandit.json",
        "gitleaks.json",
        "trivy.json",
        "cyclonedx-py.cdx.json",
    ]
    .iter()
    .map(|f| vulpy.join(f).display().to_string())
    .collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--app", "vulpy", "--env", "production"]);
    ok(rampart(&db, &args));
    // The application's container image: trivy's scan of an Alpine 3.9 image (critical CVEs).
    let image = corpus.join("trivy-golden/alpine-39.json.golden");
    ok(rampart(
        &db,
        &[
            "ingest",
            image.to_str().unwrap(),
            "--app",
            "vulpy",
            "--target",
            "vulpy-image",
        ],
    ));

    // What was found, by severity (the SLA's input).
    let issues = json(rampart(
        &db,
        &["issues", "list", "--app", "vulpy", "--format", "json"],
    ));
    let issues = issues.as_array().unwrap();
    let count = |sev: &[&str]| {
        issues
            .iter()
            .filter(|i| sev.contains(&i["severity"].as_str().unwrap()))
            .count()
    };
    let (critical, high, medium, low) = (
        count(&["critical"]),
        count(&["high"]),
        count(&["medium"]),
        count(&["low"]),
    );
    assert!(
        critical > 0 && high > 0 && medium > 0,
        "{critical} {high} {medium}"
    );

    // Tier 1: critical 7 days, high 30, medium 60, low 90; info has no SLA.
    let sla = |as_of: OffsetDateTime, extra: &[&str]| {
        let at = rfc3339(as_of);
        let mut a = vec!["sla", "--app", "vulpy", "--format", "json", "--as-of", &at];
        a.extend(extra);
        json(rampart(&db, &a))
    };
    let now = sla(start + Duration::days(1), &[]);
    let rows = now.as_array().unwrap();
    assert_eq!(rows.len(), critical + high + medium + low);
    assert!(rows.iter().all(|r| r["sla"]["state"] == "on_track"));
    assert!(rows.iter().all(|r| r["sla"]["tier"] == 1));
    let first = &rows[0];
    assert_eq!(first["severity"], "critical", "earliest due first");
    assert_eq!(first["sla"]["days"], 7);
    assert_eq!(
        first["sla"]["days_left"], 6,
        "first seen after `start`: 6 days and a bit"
    );

    let week = start + Duration::days(8);
    let breached = sla(week, &["--breached"]);
    let breached = breached.as_array().unwrap();
    assert_eq!(breached.len(), critical);
    assert!(breached.iter().all(|r| r["severity"] == "critical"));
    assert!(breached.iter().all(|r| r["sla"]["days_left"] == -1));
    let month = sla(start + Duration::days(31), &["--breached"]);
    assert_eq!(month.as_array().unwrap().len(), critical + high);

    // A risk acceptance pauses the clock: that issue is no longer breached at +8 days.
    let accepted_id = breached[0]["id"].as_i64().unwrap();
    let accepted = accepted_id.to_string();
    let expires = (start + Duration::days(90)).date().to_string();
    ok(rampart(
        &db,
        &[
            "issues",
            "triage",
            &accepted,
            "--status",
            "risk_accepted",
            "--reason",
            "vendor fix",
            "--approver",
            "bob",
            "--expires",
            &expires,
        ],
    ));
    let after = sla(week, &[]);
    let row = after
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == accepted_id)
        .unwrap()
        .clone();
    assert_eq!(row["sla"]["state"], "paused");
    assert_eq!(
        sla(week, &["--breached"]).as_array().unwrap().len(),
        critical - 1
    );
    // The table names the breaches too; the team filter finds the application.
    let table = ok(rampart(
        &db,
        &[
            "sla",
            "--team",
            "team-web",
            "--breached",
            "--as-of",
            &rfc3339(week),
        ],
    ));
    assert!(
        table.contains(&format!("{} breached", critical - 1)),
        "{table}"
    );

    // PCI DSS at +8 days: in scope (PCI data), with the evidence behind each verdict.
    let report = json(rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "pci-dss",
            "--app",
            "vulpy",
            "--format",
            "json",
            "--as-of",
            &rfc3339(week),
        ],
    ));
    assert_eq!(report["framework"], "pci-dss");
    let app = &report["applications"][0];
    assert_eq!(app["application"], "vulpy");
    assert_eq!(app["in_scope"], true);
    // 8.6.2: gitleaks scanned (coverage passes) and found secrets (a gap), listed as evidence.
    let c = control(&report, "8.6.2");
    assert_eq!(c["verdict"], "gap");
    assert_eq!(c["evidence"][0]["verdict"], "pass");
    let tool = c["evidence"][0]["items"][0]["tool"].as_str().unwrap();
    assert!(["gitleaks", "trivy"].contains(&tool), "{tool}");
    let open_now = json(rampart(
        &db,
        &["issues", "list", "--app", "vulpy", "--format", "json"],
    ));
    let secrets = count_kind(open_now.as_array().unwrap(), "secret");
    assert!(secrets > 0);
    assert_eq!(c["evidence"][1]["count"], secrets);
    // 6.3.1: SAST and SCA (the SBOM) within 30 days.
    assert_eq!(control(&report, "6.3.1")["verdict"], "pass");
    // 6.3.3: the critical issues past their SLA (all but the accepted one), and the open
    // critical dependencies (the image's).
    let c = control(&report, "6.3.3");
    assert_eq!(c["verdict"], "gap");
    assert_eq!(c["evidence"][0]["kind"], "sla_adherence");
    assert_eq!(c["evidence"][0]["count"], critical - 1);
    assert_eq!(
        c["evidence"][0]["items"].as_array().unwrap().len(),
        critical - 1
    );
    assert_eq!(c["evidence"][1]["count"], critical - 1);
    assert!(
        c["evidence"][1]["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("CVE-2019-14697")
    );
    // 11.3.2: nobody ran a DAST scan.
    let c = control(&report, "11.3.2");
    assert_eq!(c["verdict"], "gap");
    assert_eq!(c["evidence"][0]["items"][0]["kind"], "dast");
    assert!(c["evidence"][0]["items"][0]["last_scan"].is_null());
    // A year later no scan is recent: 6.3.1 becomes a gap.
    let late = json(rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "pci-dss",
            "--format",
            "json",
            "--as-of",
            &rfc3339(start + Duration::days(365)),
        ],
    ));
    assert_eq!(control(&late, "6.3.1")["verdict"], "gap");

    // Policy outcomes are an input: a failed `gate` policy is a gap with its message.
    let results = tmp.path().join("policies.json");
    std::fs::write(
        &results,
        r#"{"vulpy": {"gate": {"passed": false, "messages": ["KEV <b>vuln</b> in production"]}}}"#,
    )
    .unwrap();
    let html = ok(rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "soc2",
            "--app",
            "vulpy",
            "--format",
            "html",
            "--policy-results",
            results.to_str().unwrap(),
            "--as-of",
            &rfc3339(week),
        ],
    ));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("KEV &lt;b&gt;vuln&lt;/b&gt; in production"));
    assert!(!html.contains("<b>vuln"));
    assert!(html.contains("<h3>CC8.1 "), "{html}");
    let md = ok(rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "owasp",
            "--format",
            "md",
            "--as-of",
            &rfc3339(week),
        ],
    ));
    assert!(
        md.starts_with("# OWASP Top 10 2021 compliance report"),
        "{md}"
    );
    assert!(md.contains("### A03 Injection — **GAP**"), "{md}");

    // Errors: unknown framework, unknown application, a bad policy-results file.
    let out = rampart(&db, &["compliance", "report", "--framework", "iso9001"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected one of soc2, pci-dss"));
    let out = rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "pci-dss",
            "--app",
            "nope",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no application named `nope`"));
    std::fs::write(&results, "{\"vulpy\": [").unwrap();
    let out = rampart(
        &db,
        &[
            "compliance",
            "report",
            "--framework",
            "pci-dss",
            "--policy-results",
            results.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("policies.json: line 1"), "{err}");
}

fn count_kind(issues: &[Value], kind: &str) -> usize {
    issues.iter().filter(|i| i["kind"] == kind).count()
}

#[test]
fn sla_policy_file_is_checked_stored_and_used() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("p.db");
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "days:\n  critical: [1, 2]\n").unwrap();
    let out = rampart(&db, &["sla", "policy", "--set", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml: days.critical: 2 values: expected one number of days, or four"),
        "{err}"
    );
    // The default policy until one is set.
    let shown = ok(rampart(&db, &["sla", "policy"]));
    assert!(shown.contains("restart_on_reopen: true"), "{shown}");
    let good = tmp.path().join("sla.yaml");
    std::fs::write(&good, "restart_on_reopen: false\ndays:\n  critical: 3\n").unwrap();
    ok(rampart(
        &db,
        &["sla", "policy", "--set", good.to_str().unwrap()],
    ));
    let shown = ok(rampart(&db, &["sla", "policy"]));
    assert!(
        shown.contains("restart_on_reopen: false") && shown.contains("critical: 3"),
        "{shown}"
    );
    assert!(!shown.contains("high:"), "{shown}");
    let out = rampart(&db, &["sla", "--as-of", "tomorrow"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a date (2027-01-31)"));
    let frameworks = ok(rampart(
        &db,
        &["compliance", "frameworks", "--format", "json"],
    ));
    for needle in [
        "CC7.1",
        "6.3.3",
        "164.308(a)(1)(ii)(B)",
        "Art. 32",
        "PW.8",
        "A10",
        "V14",
    ] {
        assert!(frameworks.contains(needle), "{needle}");
    }
}
