//! The dashboard in a real browser: starts `rampart serve` on a fresh SQLite database (which
//! loads the demo portfolio and prints an administrator login), then runs
//! `crates/rampart-server/tests/browser/dashboard.js` in headless Chromium through
//! playwright-core: log in, overview with its charts, an issue, triage it, filter the issue
//! list, an application, the SLA and compliance pages, a search, log out, no console error or
//! CSP violation. Screenshots of every page go to `target/browser-screenshots/` (or
//! `$RAMPART_SCREENSHOTS`).
//!
//! Needs `node`, `chromium` (Debian package) and `npm ci` run in the script's directory. When one
//! is missing the test says so and passes, unless `RAMPART_REQUIRE_BROWSER=1` (CI), which makes
//! it fail.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Ends the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-server/tests/browser")
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RAMPART_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn node_works() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What is missing to run the browser test, if anything.
fn missing() -> Option<String> {
    if !node_works() {
        return Some("`node` is not installed".into());
    }
    if chromium().is_none() {
        return Some("Chromium is not installed (`apt-get install chromium`)".into());
    }
    if !script_dir().join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "playwright-core is not installed: run `npm ci` in {}",
            script_dir().display()
        ));
    }
    None
}

/// Starts `rampart serve` on `db` and reads the URL and the login it prints.
fn serve(db: &Path) -> (Server, String, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "RAMPART_DEMO_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rampart serve");
    let (tx, rx) = mpsc::channel::<String>();
    for out in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let server = Server(child);
    let (mut url, mut user, mut password) = (None, None, None);
    let mut seen = Vec::new();
    while url.is_none() || password.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!(
                    "rampart serve printed no URL and login:\n{}",
                    seen.join("\n")
                )
            });
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            url = Some(u.trim_end_matches('/').to_string());
        }
        if let Some(rest) = line.trim().strip_prefix("user:") {
            user = Some(rest.trim().to_string());
        }
        if let Some(rest) = line.trim().strip_prefix("password:") {
            password = Some(rest.trim().to_string());
        }
        seen.push(line);
    }
    // Keep draining the server's output so it never blocks on a full pipe.
    std::thread::spawn(move || while rx.recv().is_ok() {});
    (
        server,
        url.unwrap(),
        user.expect("the login's user name"),
        password.unwrap(),
    )
}

#[test]
fn dashboard_in_headless_chromium() {
    if let Some(why) = missing() {
        if std::env::var("RAMPART_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("browser test required but {why}");
        }
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_server, url, user, password) = serve(&tmp.path().join("browser.db"));
    let shots = std::env::var_os("RAMPART_SCREENSHOTS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots"),
        PathBuf::from,
    );
    let out = Command::new("node")
        .arg("dashboard.js")
        .current_dir(script_dir())
        .env("RAMPART_URL", &url)
        .env("RAMPART_USER", &user)
        .env("RAMPART_PASSWORD", &password)
        .env("RAMPART_CHROMIUM", chromium().unwrap())
        .env("RAMPART_SCREENSHOTS", &shots)
        .env("RAMPART_SEARCH_CVE", "CVE-2023-26136")
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser test failed (screenshots in {}):\n{stdout}\n{}",
        shots.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "overview",
        "issue",
        "issue-triaged",
        "issues",
        "application",
    ] {
        assert!(shots.join(format!("{page}.png")).is_file(), "no {page}.png");
    }
}
