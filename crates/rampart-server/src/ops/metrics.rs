//! Request, upload and job figures in the Prometheus text format (version 0.0.4), written by
//! hand: a few counters and one histogram need no exporter.

use rampart_store::Job;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the request-latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Scans accepted for ingest through the API.
    pub uploads: AtomicU64,
    /// Bytes accepted for ingest through the API.
    pub upload_bytes: AtomicU64,
    /// Logins refused (wrong password, disabled user or rate limit).
    pub logins_refused: AtomicU64,
}

impl Metrics {
    /// Records one request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = latency.entry(route.to_string()).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The exposition text; `jobs`, when the store answered, adds the queue by state.
    pub fn render(&self, jobs: Option<&[Job]>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP rampart_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE rampart_http_requests_total counter\n");
        for ((m, r, s), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "rampart_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {n}",
                escape(r)
            );
        }
        out.push_str("# HELP rampart_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE rampart_http_request_duration_seconds histogram\n");
        for (r, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let r = escape(r);
            for (le, c) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "rampart_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "rampart_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "rampart_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "rampart_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        for (name, help, v) in [
            (
                "rampart_ingest_uploads_total",
                "Scans accepted for ingest through the API.",
                &self.uploads,
            ),
            (
                "rampart_ingest_upload_bytes_total",
                "Report bytes accepted through the API.",
                &self.upload_bytes,
            ),
            (
                "rampart_logins_refused_total",
                "Logins refused (credentials or rate limit).",
                &self.logins_refused,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        if let Some(jobs) = jobs {
            out.push_str(
                "# HELP rampart_jobs Jobs in the queue by kind and state (newest 10,000).\n",
            );
            out.push_str("# TYPE rampart_jobs gauge\n");
            let mut by: BTreeMap<(String, &str), u64> = BTreeMap::new();
            for j in jobs {
                *by.entry((j.kind.clone(), j.state.as_str())).or_default() += 1;
            }
            for ((kind, state), n) in by {
                let _ = writeln!(
                    out,
                    "rampart_jobs{{kind=\"{}\",state=\"{state}\"}} {n}",
                    escape(&kind)
                );
            }
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("GET", "/api/v1/issues", 200, Duration::from_millis(3));
        m.observe_request("GET", "/api/v1/issues", 200, Duration::from_millis(30));
        m.observe_request("GET", "/api/v1/issues", 404, Duration::from_millis(1));
        let text = m.render(None);
        assert!(text.contains(
            "rampart_http_requests_total{method=\"GET\",route=\"/api/v1/issues\",status=\"200\"} 2"
        ));
        assert!(text.contains("status=\"404\"} 1"));
        assert!(
            text.contains("route=\"/api/v1/issues\",le=\"0.005\"} 2"),
            "{text}"
        );
        assert!(text.contains("route=\"/api/v1/issues\",le=\"0.05\"} 3"));
        assert!(
            text.contains(
                "rampart_http_request_duration_seconds_count{route=\"/api/v1/issues\"} 3"
            )
        );
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
