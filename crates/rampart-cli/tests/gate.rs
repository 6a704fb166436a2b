//! `rampart gate` and `rampart policy test` as CI runs them: exit codes 0 (pass), 1 (policy
//! failed) and 2 (error), the written outputs, user policy directories.

use rampart_formats::corpus;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rampart(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run rampart")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// vulpy's Semgrep report without the results in `paths`, written to `dir/name`.
fn semgrep_without(dir: &Path, name: &str, paths: &[&str]) -> Option<PathBuf> {
    let src = corpus::file("real-scans/vulpy/semgrep.json")?;
    let mut v: Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    v["results"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !paths.iter().any(|p| r["path"] == *p));
    let out = dir.join(name);
    std::fs::write(&out, serde_json::to_vec(&v).unwrap()).unwrap();
    Some(out)
}

#[test]
fn gate_exit_codes_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let db = dir.join("gate.db");
    let Some(main) = semgrep_without(dir, "main.json", &["bad/api_post.py", "good/libsession.py"])
    else {
        return;
    };
    let full = corpus::file("real-scans/vulpy/semgrep.json").unwrap();
    let gitleaks = corpus::file("real-scans/vulpy/gitleaks.json").unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();

    // The baseline judged against itself passes: exit 0.
    let out = rampart(
        &db,
        &["gate", &s(&main), "--app", "vulpy", "--branch", "main"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("gate: PASS"));

    // A branch adding a leaked key: exit 1, with every output written.
    let (sarif, junit, md, gl) = (
        dir.join("r.sarif"),
        dir.join("j.xml"),
        dir.join("c.md"),
        dir.join("gl.json"),
    );
    let out = rampart(
        &db,
        &[
            "gate",
            &s(&full),
            &s(&gitleaks),
            "--app",
            "vulpy",
            "--branch",
            "feature/api",
            "--commit",
            "abc123",
            "--sarif",
            &s(&sarif),
            "--junit",
            &s(&junit),
            "--markdown",
            &s(&md),
            "--gitlab",
            &s(&gl),
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("gate: FAIL") && stdout.contains("no-secrets"),
        "{stdout}"
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["baselineState"] == "new"));
    assert!(results.iter().any(|r| r["baselineState"] == "unchanged"));
    assert_eq!(log["runs"][0]["properties"]["rampart"]["verdict"], "fail");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<failure"),
        "{xml}"
    );
    let comment = std::fs::read_to_string(&md).unwrap();
    assert!(
        comment.contains("❌ Rampart gate failed") && comment.contains("`abc123`"),
        "{comment}"
    );
    let gl: Value = serde_json::from_slice(&std::fs::read(&gl).unwrap()).unwrap();
    assert_eq!(gl["scan"]["type"], "sast");

    // A user policy directory: its deny shows with its file; a broken one is an error (2)
    // naming the file and line.
    let policies = dir.join("policies");
    std::fs::create_dir_all(policies.join("team")).unwrap();
    std::fs::write(
        policies.join("team/no_sqli.rego"),
        "package team.sqli\n\ndeny contains {\"msg\": sprintf(\"SQL injection at %s\", [input.issue.location.display]), \"policy\": \"team-no-sqli\"} if {\n  89 in input.issue.cwes\n}\n",
    )
    .unwrap();
    let main2 = semgrep_without(dir, "main2.json", &["bad/api_post.py", "bad/db.py"]).unwrap();
    let db2 = dir.join("gate2.db");
    assert_eq!(
        rampart(
            &db2,
            &["gate", &s(&main2), "--app", "v", "--branch", "main"]
        )
        .status
        .code(),
        Some(0)
    );
    let branch = semgrep_without(dir, "branch.json", &["bad/api_post.py"]).unwrap();
    let out = rampart(
        &db2,
        &[
            "gate",
            &s(&branch),
            "--app",
            "v",
            "--branch",
            "f",
            "--policy",
            &s(&policies),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let denies: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["results"].as_array().unwrap())
        .filter(|r| r["level"] == "deny")
        .collect();
    assert!(!denies.is_empty());
    assert!(denies.iter().all(|r| r["policy"] == "team-no-sqli"
        && r["file"].as_str().unwrap().ends_with("team/no_sqli.rego")));
    // Without that policy the same branch passes.
    let out = rampart(&db2, &["gate", &s(&branch), "--app", "v", "--branch", "f"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    std::fs::write(
        policies.join("team/broken.rego"),
        "package team.broken\n\ndeny contains x if {\n  x := \n}\n",
    )
    .unwrap();
    let out = rampart(
        &db2,
        &[
            "gate",
            &s(&branch),
            "--app",
            "v",
            "--branch",
            "f",
            "--policy",
            &s(&policies),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("team/broken.rego:5") || err.contains("team/broken.rego:4"),
        "{err}"
    );

    // A report that is not one: exit 2.
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let out = rampart(&db, &["gate", &s(&junk), "--app", "vulpy", "--branch", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("junk.json"));
}

#[test]
fn policy_test_runs_rego_tests() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("unused.db");
    // The built-in bundle's own tests.
    let out = rampart(&db, &["policy", "test"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");

    // The exported bundle tests the same, from files.
    let dir = tmp.path().join("bundle");
    assert!(
        rampart(&db, &["policy", "export", dir.to_str().unwrap()])
            .status
            .success()
    );
    assert!(dir.join("kev_test.rego").exists());
    let out = rampart(&db, &["policy", "test", dir.to_str().unwrap(), "-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("PASS "));

    // A failing test: exit 1, named with file and line.
    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(
        mine.join("p.rego"),
        "package mine\n\ndeny contains \"no\" if input.issue.secret\n",
    )
    .unwrap();
    std::fs::write(
        mine.join("p_test.rego"),
        "package mine_test\n\nimport data.mine\n\ntest_secret_denied if {\n  count(mine.deny) == 1 with input as {\"issue\": {\"secret\": true}}\n}\n\ntest_wrong if {\n  count(mine.deny) == 1 with input as {\"issue\": {\"secret\": false}}\n}\n",
    )
    .unwrap();
    let out = rampart(&db, &["policy", "test", mine.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("p_test.rego:9 mine_test.test_wrong"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}
