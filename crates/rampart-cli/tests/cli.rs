//! The `rampart` binary as a user runs it: exit codes, summaries, JSON and CSV output.

use std::path::Path;
use std::process::{Command, Output};

fn rampart(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env(
            "RAMPART_DEMO_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo"),
        )
        .output()
        .expect("run rampart")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn ingest_list_show_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cli.db");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/reports/storefront-web");
    let semgrep = demo.join("semgrep.json");
    let out = rampart(
        &db,
        &[
            "ingest",
            semgrep.to_str().unwrap(),
            "--app",
            "shop",
            "--env",
            "production",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("23 observations"), "{stdout}");
    assert!(
        stdout.contains("23 new, 0 unchanged, 0 fixed, 0 reopened"),
        "{stdout}"
    );

    let out = rampart(
        &db,
        &["issues", "list", "--app", "shop", "--format", "json"],
    );
    assert!(out.status.success());
    let issues: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 23);
    assert!(
        issues
            .iter()
            .all(|i| i["tools"] == serde_json::json!(["semgrep"]))
    );
    let worst = &issues[0]["severity"];
    assert!(
        issues
            .iter()
            .all(|i| severity_rank(&i["severity"]) <= severity_rank(worst))
    );

    let id = issues[0]["id"].as_i64().unwrap().to_string();
    let out = rampart(&db, &["issues", "show", &id]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Observations (1)") && stdout.contains("History:"),
        "{stdout}"
    );

    let out = rampart(
        &db,
        &["issues", "list", "--format", "csv", "--severity", "high"],
    );
    let csv = text(&out.stdout);
    assert!(csv.starts_with("id,application,severity,status"));
    assert!(csv.lines().skip(1).all(|l| l.contains(",high,")), "{csv}");

    // A bad file: exit code 2, a message naming it, nothing stored.
    let bad = tmp.path().join("broken.json");
    std::fs::write(&bad, b"{\"results\": [").unwrap();
    let out = rampart(&db, &["ingest", bad.to_str().unwrap(), "--app", "shop"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("nothing from"),
        "{stderr}"
    );
    let out = rampart(&db, &["scans", "list", "--format", "json"]);
    let scans: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scans.as_array().unwrap().len(), 1);

    // Unknown values are refused with the expected choices.
    let out = rampart(&db, &["issues", "list", "--severity", "urgent"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("expected critical, high, medium, low or info"));
    let out = rampart(&db, &["issues", "show", "999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no issue with id 999999"));
}

#[test]
fn demo_loads_once_and_summarizes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("demo.db");
    let out = rampart(&db, &["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Portfolio: 4 applications, 13 scans"),
        "{stdout}"
    );
    assert!(stdout.contains("Top open issues"));
    let again = rampart(&db, &["demo"]);
    assert!(text(&again.stdout).contains("already holds 13 scans"));
    let out = rampart(&db, &["apps", "list", "--format", "json"]);
    let apps: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "inventory-service",
            "marketing-site",
            "payments-api",
            "storefront-web"
        ]
    );
}

fn severity_rank(v: &serde_json::Value) -> u8 {
    match v.as_str().unwrap_or("") {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The risk queue, triage and VEX on the demo, as a user types them.
#[test]
fn risk_queue_triage_and_vex_on_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("risk.db");
    assert!(rampart(&db, &["demo"]).status.success());
    // The demo catalog was applied through `apps apply`'s code.
    let out = rampart(&db, &["apps", "show", "storefront-web", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let show: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(show["profile"]["tier"], 1);
    assert_eq!(
        show["profile"]["data_tags"],
        serde_json::json!(["PII", "PCI"])
    );
    assert_eq!(show["versions"].as_array().unwrap().len(), 1);
    // The queue by risk, and the team filter.
    let out = rampart(&db, &["issues", "list", "--top", "5", "--format", "json"]);
    let top: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(top.len(), 5);
    let risks: Vec<i64> = top.iter().map(|i| i["risk"].as_i64().unwrap()).collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
    assert!(risks[0] > 50, "{risks:?}");
    let out = rampart(
        &db,
        &[
            "issues",
            "list",
            "--team",
            "team-payments",
            "--sort",
            "risk",
            "--format",
            "json",
        ],
    );
    let payments: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(payments.len(), 15);
    assert!(payments.iter().all(|i| i["application"] == "payments-api"));
    // The explanation.
    let id = top[0]["id"].as_i64().unwrap().to_string();
    let out = rampart(&db, &["issues", "show", &id]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("Risk {}/100, decision", risks[0])),
        "{stdout}"
    );
    assert!(
        stdout.contains("criticality") && stdout.contains("tier 1"),
        "{stdout}"
    );
    // Triage: refused without an approver, recorded with one, shown, undone.
    let out = rampart(
        &db,
        &[
            "issues",
            "triage",
            &id,
            "--status",
            "risk_accepted",
            "--reason",
            "patch in Q1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("needs an approver"),
        "{}",
        text(&out.stderr)
    );
    let out = rampart(
        &db,
        &[
            "issues",
            "triage",
            &id,
            "--status",
            "risk_accepted",
            "--reason",
            "patch in Q1",
            "--approver",
            "ciso@northwind.example",
            "--expires",
            "2099-01-31",
            "--by",
            "dana",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = rampart(&db, &["issues", "show", &id, "--json"]);
    let detail: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detail["issue"]["status"], "risk_accepted");
    assert_eq!(detail["triage"][0]["actor"], "dana");
    assert_eq!(detail["triage"][0]["approver"], "ciso@northwind.example");
    assert!(detail["risk"]["factors"].as_array().unwrap().len() >= 4);
    let out = rampart(&db, &["vex", "export", "--app", "storefront-web"]);
    let vex: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statements = vex["statements"].as_array().unwrap();
    if top[0]["kind"] == "dependency" {
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["status"], "affected");
    }
    let out = rampart(&db, &["issues", "untriage", &id, "--by", "dana"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = rampart(&db, &["issues", "list", "--top", "1", "--format", "json"]);
    let again: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again[0]["id"], top[0]["id"]);
    // A catalog error names the file and the place; nothing is applied.
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "applications:\n  - id: storefront-web\n    exposure: moon\n",
    )
    .unwrap();
    let out = rampart(&db, &["apps", "apply", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bad.yaml: applications[0] (storefront-web).exposure: `moon`"),
        "{}",
        text(&out.stderr)
    );
}

/// Output into a pipe whose reader has gone (`rampart issues list | head -1`) ends the
/// process quietly, never with a panic.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("pipe.db");
    assert!(rampart(&db, &["demo"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(&db)
        .args(["issues", "list", "--format", "json", "--status", "all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then hang up, as `head -c1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    assert_eq!(first[0], b'[');
    assert!(!stderr.contains("panicked"), "{stderr}");
}
