//! The CI jobs that docs/ci.md tells newcomers to copy, tested as CI runs them: the files in
//! `docs/examples/` are the ones the doc shows (byte for byte), their structure is what GitHub
//! Actions and GitLab CI need, and the gate's script runs *as written* under bash with the
//! variables each CI sets, the built `rampart` on PATH (as a cache hit leaves it), on corpus
//! reports standing in for the scanners' output: first the default branch (the baseline), then
//! a branch that introduces a leaked secret (exit 1, every output written and valid) and one
//! that introduces nothing (exit 0).

use rampart_formats::corpus;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HOME_URL: &str = "https://github.com/rampart-aspm/rampart";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    yaml_serde::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The step exited with `code` (else: its output).
fn exits(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The fenced ```yaml blocks of a Markdown file.
fn yaml_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match &mut cur {
            None if line.trim_end() == "```yaml" => cur = Some(String::new()),
            Some(b) if line.trim_end() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

/// docs/ci.md shows `file` whole, in a yaml block.
fn doc_shows(file: &Path) {
    let doc = read(&repo_root().join("docs/ci.md"));
    let want = read(file);
    assert!(
        yaml_blocks(&doc).contains(&want),
        "docs/ci.md has no yaml block equal to {}",
        file.display()
    );
}

/// Evaluates a GitHub Actions `${{ ... }}` template the way Actions does for the subset the
/// workflow uses: `a || b || 'literal'`, where an unknown or empty context value is falsy.
fn gh_eval(template: &str, ctx: &HashMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        let value = expr
            .split("||")
            .map(str::trim)
            .map(|operand| match operand.strip_prefix('\'') {
                Some(lit) => lit.trim_end_matches('\'').to_string(),
                None => {
                    assert!(
                        operand
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                        "unsupported expression `{expr}`"
                    );
                    ctx.get(operand).cloned().unwrap_or_default()
                }
            })
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A `rampart` where `cargo install` (and so a cache hit of `~/.cargo/bin/rampart`) puts it.
fn cargo_home_with_rampart(home: &Path) -> PathBuf {
    let bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rampart"), bin.join("rampart")).unwrap();
    bin
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs `script` as Actions runs a `run:` step (`bash --noprofile --norc -eo pipefail {0}`).
fn run_bash(dir: &Path, script: &str, env: &[(String, String)]) -> Output {
    let file = dir.join(".step.sh");
    std::fs::write(&file, script).unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run bash");
    std::fs::remove_file(&file).unwrap();
    out
}

/// Corpus reports standing in for the scanners: vulpy's Semgrep and Gitleaks reports without
/// the findings in `drop_files`, and its Trivy report, under the names the jobs write.
fn write_reports(dir: &Path, drop_files: &[&str]) -> bool {
    let (Some(semgrep), Some(gitleaks), Some(trivy)) = (
        corpus::file("real-scans/vulpy/semgrep.json"),
        corpus::file("real-scans/vulpy/gitleaks.sarif"),
        corpus::file("real-scans/vulpy/trivy.json"),
    ) else {
        return false;
    };
    let mut s: Value = serde_json::from_str(&read(&semgrep)).unwrap();
    s["results"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !drop_files.iter().any(|p| r["path"] == *p));
    std::fs::write(dir.join("semgrep.json"), s.to_string()).unwrap();
    let mut g: Value = serde_json::from_str(&read(&gitleaks)).unwrap();
    g["runs"][0]["results"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !drop_files.iter().any(|p| result_uri(r) == Some(p)));
    std::fs::write(dir.join("gitleaks.sarif"), g.to_string()).unwrap();
    std::fs::copy(trivy, dir.join("trivy.json")).unwrap();
    for out in [
        "rampart.sarif",
        "rampart.md",
        "rampart.xml",
        "gl-sast-report.json",
        "gl-dependency-scanning-report.json",
    ] {
        let _ = std::fs::remove_file(dir.join(out));
    }
    true
}

/// The file a SARIF result is located in.
fn result_uri(result: &Value) -> Option<&str> {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
}

/// The file of vulpy's Gitleaks report the branch adds (a leak on the branch, not on main).
fn leaked_file() -> Option<String> {
    let g: Value =
        serde_json::from_str(&read(&corpus::file("real-scans/vulpy/gitleaks.sarif")?)).unwrap();
    g["runs"][0]["results"]
        .as_array()?
        .first()
        .and_then(result_uri)
        .map(str::to_string)
}

fn check_sarif(path: &Path, verdict: &str) -> Value {
    let log: Value = serde_json::from_str(&read(path)).unwrap();
    if let Some(schema) = corpus::file("sarif/oasis-sarif-spec/schema/sarif-schema-2.1.0.json") {
        let schema: Value = serde_json::from_str(&read(&schema)).unwrap();
        let validator = jsonschema::validator_for(&schema).expect("SARIF schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
    }
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["properties"]["rampart"]["verdict"], verdict);
    log
}

/// JUnit XML that parses whole; returns how many `<failure>` elements it has.
fn junit_failures(path: &Path) -> usize {
    let xml = read(path);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut failures = 0;
    let mut suites = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                match e.name().as_ref() {
                    b"failure" => failures += 1,
                    b"testsuites" | b"testsuite" => suites += 1,
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{}: not well-formed XML: {e}", path.display()),
        }
    }
    assert!(suites > 0, "{xml}");
    failures
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_array().expect("steps")
}

fn step_index(steps: &[Value], pred: impl Fn(&Value) -> bool, what: &str) -> usize {
    steps
        .iter()
        .position(pred)
        .unwrap_or_else(|| panic!("no step {what}"))
}

fn named<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    &steps[step_index(steps, |s| s["name"] == name, name)]
}

/// Cargo.toml's `repository` and the workflows' install commands name the project's home, and
/// install the package that builds the `rampart` binary.
fn check_install_command(cmd: &str) {
    let cli_toml = read(&repo_root().join("crates/rampart-cli/Cargo.toml"));
    assert!(cli_toml.contains("name = \"rampart-cli\"") && cli_toml.contains("name = \"rampart\""));
    let ws = read(&repo_root().join("Cargo.toml"));
    assert!(
        ws.contains(&format!("repository = \"{HOME_URL}\"")),
        "Cargo.toml's repository is not {HOME_URL}"
    );
    assert!(
        cmd.contains(&format!(
            "cargo install --locked --git {HOME_URL} --tag \"$RAMPART_VERSION\" rampart-cli"
        )),
        "{cmd}"
    );
}

#[test]
fn github_actions_workflow_runs_the_gate_as_documented() {
    let file = repo_root().join("docs/examples/github-actions/rampart.yml");
    doc_shows(&file);
    let wf = yaml(&file);

    // Triggers: pull requests, and pushes to the default branch (the baseline).
    assert_eq!(wf["on"]["push"]["branches"], serde_json::json!(["main"]));
    assert!(wf["on"].get("pull_request").is_some(), "{:#}", wf["on"]);
    assert_eq!(wf["permissions"]["security-events"], "write");
    assert_eq!(wf["permissions"]["pull-requests"], "write");
    assert_eq!(wf["permissions"]["contents"], "read");
    assert_eq!(wf["permissions"]["actions"], "read");
    let version = wf["env"]["RAMPART_VERSION"]
        .as_str()
        .expect("RAMPART_VERSION");
    assert!(version.starts_with('v'), "{version}");
    let job = &wf["jobs"]["gate"];
    let steps = steps(job);

    // Steps in order: checkout, cached install, scanners, database, gate, SARIF, comment.
    let uses = |s: &Value, a: &str| s["uses"].as_str().is_some_and(|u| u == a);
    let checkout = step_index(steps, |s| uses(s, "actions/checkout@v4"), "checkout");
    let cache = step_index(steps, |s| s["id"] == "cache-rampart", "cache-rampart");
    let install = step_index(steps, |s| s["name"] == "Install rampart", "install");
    let scanners: Vec<usize> = ["semgrep.json", "gitleaks.sarif", "trivy.json"]
        .iter()
        .map(|out| {
            step_index(
                steps,
                |s| s["run"].as_str().is_some_and(|r| r.contains(out)) && s["name"] != "Gate",
                out,
            )
        })
        .collect();
    let db = step_index(steps, |s| s["name"] == "Restore the database", "database");
    let gate = step_index(steps, |s| s["id"] == "gate", "gate");
    let upload = step_index(
        steps,
        |s| uses(s, "github/codeql-action/upload-sarif@v3"),
        "upload-sarif",
    );
    let comment = step_index(
        steps,
        |s| s["name"] == "Comment on the pull request",
        "comment",
    );
    assert!(checkout < cache && cache < install);
    assert!(scanners.iter().all(|&s| install < s && s < db));
    assert!(db < gate && gate < upload && upload < comment);

    // The binary is cached by version, and built only on a miss, from the project's home.
    let c = &steps[cache];
    assert_eq!(c["uses"], "actions/cache@v4");
    assert_eq!(c["with"]["path"], "~/.cargo/bin/rampart");
    assert!(
        c["with"]["key"]
            .as_str()
            .unwrap()
            .contains("${{ env.RAMPART_VERSION }}")
    );
    assert_eq!(
        steps[install]["if"],
        "steps.cache-rampart.outputs.cache-hit != 'true'"
    );
    check_install_command(steps[install]["run"].as_str().unwrap());
    // The scanners write the reports Rampart reads.
    let semgrep = steps[scanners[0]]["run"].as_str().unwrap();
    assert!(semgrep.contains("semgrep scan") && semgrep.contains("--json-output=semgrep.json"));
    let gitleaks = steps[scanners[1]]["run"].as_str().unwrap();
    assert!(gitleaks.contains("--report-format sarif --report-path gitleaks.sarif"));
    assert!(gitleaks.contains("--redact") && gitleaks.contains("--exit-code 0"));
    let trivy = steps[scanners[2]]["run"].as_str().unwrap();
    assert!(trivy.contains(" fs . ") && trivy.contains("--format json --output trivy.json"));
    // The database cache is used only without the secret, and falls back to the baseline's.
    assert_eq!(steps[db]["if"], "${{ env.RAMPART_DB == 'rampart.db' }}");
    assert!(
        steps[db]["with"]["restore-keys"]
            .as_str()
            .unwrap()
            .contains("rampart-db-${{ github.event.repository.default_branch }}-")
    );
    let up = &steps[upload];
    assert_eq!(up["with"]["sarif_file"], "rampart.sarif");
    assert_eq!(up["with"]["category"], "rampart");
    assert!(up["if"].as_str().unwrap().contains("always()"));
    assert!(
        steps[comment]["if"]
            .as_str()
            .unwrap()
            .contains("github.event_name == 'pull_request'")
    );

    // Run the gate step as written: first a push to main, then pull requests.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let bin = cargo_home_with_rampart(&tmp.path().join("home"));
    let Some(leak) = leaked_file() else { return };
    let dropped = ["bad/api_post.py", leak.as_str()];
    if !write_reports(&work, &dropped) {
        return;
    }
    let gate_step = named(steps, "Gate");
    let script = gate_step["run"].as_str().unwrap();
    let run = |ctx: &HashMap<&str, String>, vars: &[(&str, &str)]| -> Output {
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), path_with(&bin)),
            ("HOME".into(), tmp.path().join("home").display().to_string()),
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_WORKSPACE".into(), work.display().to_string()),
        ];
        for (k, v) in vars {
            env.push((k.to_string(), v.to_string()));
        }
        for scope in [&wf["env"], &job["env"], &gate_step["env"]] {
            for (k, v) in scope.as_object().unwrap() {
                env.push((k.clone(), gh_eval(v.as_str().unwrap(), ctx)));
            }
        }
        run_bash(&work, script, &env)
    };
    let mut ctx: HashMap<&str, String> = HashMap::from([
        ("github.event.repository.name", "vulpy".to_string()),
        ("github.event.repository.default_branch", "main".into()),
        ("env.RAMPART_VERSION", version.to_string()),
    ]);

    // A push to main: the baseline is recorded, nothing is introduced.
    ctx.insert("github.sha", "1111111".into());
    let push = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_REF_NAME", "main"),
        ("GITHUB_HEAD_REF", ""),
        ("GITHUB_BASE_REF", ""),
        ("GITHUB_SHA", "1111111"),
    ];
    let out = run(&ctx, &push);
    exits(&out, 0);
    assert!(
        work.join("rampart.db").exists(),
        "RAMPART_DB fell back to rampart.db"
    );
    check_sarif(&work.join("rampart.sarif"), "pass");
    assert_eq!(junit_failures(&work.join("rampart.xml")), 0);

    // A pull request adding a leaked key and more findings: exit 1, every file written.
    assert!(write_reports(&work, &[]));
    ctx.insert("github.sha", "2222222".into());
    ctx.insert("github.event.pull_request.head.sha", "3333333".into());
    ctx.insert("github.event.pull_request.number", "42".into());
    let pr = |head: &'static str| {
        [
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REF", "refs/pull/42/merge"),
            ("GITHUB_REF_NAME", "42/merge"),
            ("GITHUB_HEAD_REF", head),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_SHA", "2222222"),
        ]
    };
    let out = run(&ctx, &pr("feature/api"));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("feature/api against main"), "{stdout}");
    assert!(stdout.contains("no-secrets"), "{stdout}");
    let log = check_sarif(&work.join("rampart.sarif"), "fail");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["baselineState"] == "new"));
    assert!(results.iter().any(|r| r["baselineState"] == "unchanged"));
    assert!(junit_failures(&work.join("rampart.xml")) > 0);
    let md = read(&work.join("rampart.md"));
    // The commit is the pull request's head, not the merge commit GITHUB_SHA names.
    assert!(
        md.contains("Rampart gate failed") && md.contains("`3333333`"),
        "{md}"
    );

    // The comment step as written, with a `gh` that has no earlier comment to edit.
    let fake = tmp.path().join("fake-gh");
    std::fs::create_dir_all(&fake).unwrap();
    let log_file = tmp.path().join("gh.log");
    std::fs::write(
        fake.join("gh"),
        format!(
            "#!/bin/bash\necho \"$GH_TOKEN $*\" >> '{}'\nfor a in \"$@\"; do [ \"$a\" = --edit-last ] && {{ echo 'no comments found for current user' >&2; exit 1; }}; done\n[ -s rampart.md ]\n",
            log_file.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .args(["+x", fake.join("gh").to_str().unwrap()])
        .status()
        .unwrap();
    ctx.insert("github.token", "ghs_test".into());
    let comment_step = named(steps, "Comment on the pull request");
    let mut env = vec![("PATH".to_string(), path_with(&fake))];
    for (k, v) in comment_step["env"].as_object().unwrap() {
        env.push((k.clone(), gh_eval(v.as_str().unwrap(), &ctx)));
    }
    let out = run_bash(&work, comment_step["run"].as_str().unwrap(), &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        read(&log_file),
        "ghs_test pr comment 42 --edit-last --body-file rampart.md\nghs_test pr comment 42 --body-file rampart.md\n"
    );

    // A pull request that introduces nothing passes.
    assert!(write_reports(&work, &dropped));
    let out = run(&ctx, &pr("chore/docs"));
    exits(&out, 0);
    check_sarif(&work.join("rampart.sarif"), "pass");
    assert!(read(&work.join("rampart.md")).contains("Rampart gate passed"));
}

/// Expands `$NAME` and `${NAME}` in a GitLab variable's value.
fn gl_expand(value: &str, env: &HashMap<String, String>) -> String {
    let mut out = value.to_string();
    let mut keys: Vec<&String> = env.keys().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for k in keys {
        out = out
            .replace(&format!("${{{k}}}"), &env[k])
            .replace(&format!("${k}"), &env[k]);
    }
    out
}

#[test]
fn gitlab_ci_job_runs_the_gate_as_documented() {
    let file = repo_root().join("docs/examples/gitlab-ci/.gitlab-ci.yml");
    doc_shows(&file);
    let ci = yaml(&file);
    assert_eq!(ci["stages"], serde_json::json!(["scan", "gate"]));
    let version = ci["variables"]["RAMPART_VERSION"].as_str().unwrap();
    let job = &ci["rampart-gate"];
    assert_eq!(job["stage"], "gate");
    // The scan jobs write the gate's inputs as artifacts, and the gate needs them.
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for (scan, out) in [
        ("semgrep", "semgrep.json"),
        ("gitleaks", "gitleaks.sarif"),
        ("trivy", "trivy.json"),
    ] {
        assert_eq!(ci[scan]["stage"], "scan");
        assert_eq!(ci[scan]["artifacts"]["paths"], serde_json::json!([out]));
        assert!(
            ci[scan]["script"][0].as_str().unwrap().contains(out),
            "{scan}"
        );
        assert!(
            job["needs"]
                .as_array()
                .unwrap()
                .contains(&Value::from(scan))
        );
        assert!(script[0].contains(out));
    }
    // The reports the merge request widgets read are the files the gate writes.
    let reports = &job["artifacts"]["reports"];
    for (kind, flag) in [
        ("sast", "--gitlab "),
        ("dependency_scanning", "--gitlab-dependency "),
        ("junit", "--junit "),
    ] {
        let f = reports[kind].as_str().unwrap();
        assert!(script[0].contains(&format!("{flag}{f}")), "{kind}");
    }
    assert_eq!(job["artifacts"]["when"], "always");
    // The binary is cached by version and built only when missing, from the project's home.
    let caches = job["cache"].as_array().unwrap();
    assert!(caches.iter().any(|c| c["key"] == "rampart-$RAMPART_VERSION"
        && c["paths"] == serde_json::json!([".rampart/bin"])));
    assert_eq!(
        job["variables"]["CARGO_INSTALL_ROOT"],
        "$CI_PROJECT_DIR/.rampart"
    );
    let before: Vec<&str> = job["before_script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(before[1].starts_with("rampart --version || "));
    check_install_command(before[1]);

    // Run before_script and script as the runner does (one shell, stop at the first failure),
    // with the binary where the cache restores it.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("project");
    let cached = work.join(".rampart/bin");
    std::fs::create_dir_all(&cached).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rampart"), cached.join("rampart")).unwrap();
    let Some(leak) = leaked_file() else { return };
    let dropped = ["bad/api_post.py", leak.as_str()];
    if !write_reports(&work, &dropped) {
        return;
    }
    let lines: Vec<&str> = before.iter().chain(script.iter()).copied().collect();
    let body = lines.join("\n") + "\n";
    let run = |vars: &[(&str, &str)]| -> Output {
        let mut env: HashMap<String, String> = HashMap::from([
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("CI".into(), "true".into()),
            ("GITLAB_CI".into(), "true".into()),
            ("CI_PROJECT_DIR".into(), work.display().to_string()),
            ("CI_PROJECT_NAME".into(), "vulpy".into()),
            ("CI_DEFAULT_BRANCH".into(), "main".into()),
            ("RAMPART_VERSION".into(), version.to_string()),
        ]);
        for (k, v) in vars {
            env.insert(k.to_string(), v.to_string());
        }
        for (k, v) in job["variables"].as_object().unwrap() {
            let value = gl_expand(v.as_str().unwrap(), &env);
            env.insert(k.clone(), value);
        }
        let env: Vec<(String, String)> = env.into_iter().collect();
        run_bash(&work, &body, &env)
    };

    // The default branch's pipeline records the baseline.
    let out = run(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_COMMIT_REF_NAME", "main"),
        ("CI_COMMIT_SHA", "1111111"),
    ]);
    exits(&out, 0);
    // `rampart --version` answered: the cached binary was used, nothing was built.
    assert!(
        text(&out.stdout).starts_with("rampart "),
        "{}",
        text(&out.stdout)
    );

    // A merge request pipeline (no CI_COMMIT_BRANCH) introducing a leaked key: exit 1.
    assert!(write_reports(&work, &[]));
    let out = run(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/api"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_COMMIT_REF_NAME", "feature/api"),
        ("CI_COMMIT_SHA", "3333333"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("feature/api against main"), "{stdout}");
    let sast: Value = serde_json::from_str(&read(&work.join("gl-sast-report.json"))).unwrap();
    assert_eq!(sast["scan"]["type"], "sast");
    assert!(!sast["vulnerabilities"].as_array().unwrap().is_empty());
    let deps: Value =
        serde_json::from_str(&read(&work.join("gl-dependency-scanning-report.json"))).unwrap();
    assert_eq!(deps["scan"]["type"], "dependency_scanning");
    assert!(junit_failures(&work.join("rampart.xml")) > 0);
    check_sarif(&work.join("rampart.sarif"), "fail");
    assert!(read(&work.join("rampart.md")).contains("`3333333`"));
}
