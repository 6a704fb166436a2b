//! `rampart serve` as an operator runs it: an upload over HTTP is ingested by the in-process
//! job runner (SQLite), logs are JSON lines without credentials, and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A minimal HTTP/1.1 exchange (no client library needed): returns (status, body).
fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_ingests_uploads_in_process_logs_json_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("serve.db");
    let token = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(&db)
        .args(["tokens", "create", "--name", "ops", "--role", "admin"])
        .output()
        .unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("rmp_"));

    let mut server = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rampart serve");
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server announces its address");
        log.push(line.clone());
        if let Some(rest) = line.strip_prefix("Rampart is serving http://") {
            break rest.trim_end_matches('/').to_string();
        }
    };

    let report = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo/reports/storefront-web/semgrep.json");
    let (status, body) = http(
        &addr,
        "POST",
        "/api/v1/scans?application=storefront-web",
        &token,
        &std::fs::read(report).unwrap(),
    );
    assert_eq!(status, 202, "{body}");
    let job: serde_json::Value = serde_json::from_str(&body).unwrap();
    let url = job["job_url"].as_str().unwrap().to_string();
    let started = Instant::now();
    let state = loop {
        let (_, body) = http(&addr, "GET", &url, &token, b"");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if v["state"] == "succeeded"
            || v["state"] == "failed"
            || started.elapsed() > Duration::from_secs(60)
        {
            break v;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(state["state"], "succeeded", "{state}");
    let (status, body) = http(
        &addr,
        "GET",
        "/api/v1/issues?application=storefront-web",
        &token,
        b"",
    );
    assert_eq!(status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    );
    assert_eq!(http(&addr, "GET", "/readyz", &token, b"").0, 200);

    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "exit {status:?}");
    log.extend(rx.try_iter());
    let json_lines: Vec<serde_json::Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|l| l["fields"]["route"] == "/api/v1/scans" && l["fields"]["status"] == 202),
        "{log:#?}"
    );
    assert!(
        json_lines
            .iter()
            .any(|l| l["fields"]["message"] == "stopped"),
        "{log:#?}"
    );
    assert!(
        log.iter().all(|l| !l.contains(&token[4..])),
        "a token reached the log"
    );
}
