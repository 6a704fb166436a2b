//! Intelligence feeds other than OSV, read from bytes: CISA KEV ([`kev`]), EPSS ([`epss`]) and
//! the CWE catalog ([`cwe`]); and [`FeedKind::detect`], which tells a feed file's kind from its
//! content. Reading files, archives and compression is the caller's business.

pub mod cwe;
pub mod epss;
pub mod kev;

/// Why a feed document could not be read at all (a bad row is a [`RowProblem`] instead).
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Broken JSON or JSON of the wrong shape.
    #[error("{what}: {source}")]
    Json {
        /// What was being read.
        what: &'static str,
        /// The parser's message (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// Broken XML.
    #[error("CWE XML at byte {position}: {message}")]
    Xml {
        /// Byte offset of the problem.
        position: u64,
        /// What went wrong.
        message: String,
    },
    /// A structural problem at a line.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line.
        line: u64,
        /// What was expected.
        message: String,
    },
}

/// A row of a feed that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Where: `line 12` or a JSON path such as `/vulnerabilities/3`.
    pub place: String,
    /// What was wrong.
    pub reason: String,
}

/// The kind of an intelligence file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// An OSV record or list of records, JSON.
    OsvJson,
    /// An OSV record, YAML.
    OsvYaml,
    /// CISA KEV catalog, JSON.
    KevJson,
    /// CISA KEV catalog, CSV.
    KevCsv,
    /// EPSS daily scores, CSV.
    EpssCsv,
    /// MITRE CWE catalog, XML.
    CweXml,
}

impl FeedKind {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            FeedKind::OsvJson => "osv-json",
            FeedKind::OsvYaml => "osv-yaml",
            FeedKind::KevJson => "kev-json",
            FeedKind::KevCsv => "kev-csv",
            FeedKind::EpssCsv => "epss-csv",
            FeedKind::CweXml => "cwe-xml",
        }
    }

    /// Tells a feed file's kind from its first bytes (and, to tell OSV YAML from other text,
    /// its name). `None`: not an intelligence file Rampart reads (a README, a licence, a JSON
    /// schema, a CWE CSV view).
    pub fn detect(name: &str, head: &[u8]) -> Option<FeedKind> {
        let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(head);
        let text = String::from_utf8_lossy(&head[..head.len().min(8192)]);
        let trimmed = text.trim_start();
        let lower = name.to_ascii_lowercase();
        if trimmed.starts_with("#model_version") || trimmed.starts_with("cve,epss") {
            return Some(FeedKind::EpssCsv);
        }
        if trimmed.starts_with("cveID,vendorProject") {
            return Some(FeedKind::KevCsv);
        }
        if trimmed.starts_with('<') {
            return text
                .contains("<Weakness_Catalog")
                .then_some(FeedKind::CweXml);
        }
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            if text.contains("\"$schema\"") && !text.contains("\"affected\"") {
                return None;
            }
            if text.contains("\"catalogVersion\"") && text.contains("\"vulnerabilities\"") {
                return Some(FeedKind::KevJson);
            }
            return Some(FeedKind::OsvJson);
        }
        if (lower.ends_with(".yaml") || lower.ends_with(".yml"))
            && text.lines().any(|l| l.starts_with("id:"))
        {
            return Some(FeedKind::OsvYaml);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_content() {
        assert_eq!(
            FeedKind::detect(
                "x.csv",
                b"#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n"
            ),
            Some(FeedKind::EpssCsv)
        );
        assert_eq!(
            FeedKind::detect("k.csv", b"cveID,vendorProject,product\n"),
            Some(FeedKind::KevCsv)
        );
        assert_eq!(
            FeedKind::detect(
                "k.json",
                br#"{"title":"x","catalogVersion":"1","vulnerabilities":[]}"#
            ),
            Some(FeedKind::KevJson)
        );
        assert_eq!(
            FeedKind::detect("a.json", br#"{"id":"GHSA-1","affected":[]}"#),
            Some(FeedKind::OsvJson)
        );
        assert_eq!(
            FeedKind::detect("a.yaml", b"id: PYSEC-1\n"),
            Some(FeedKind::OsvYaml)
        );
        assert_eq!(
            FeedKind::detect("s.json", br#"{"$schema":"x","type":"object"}"#),
            None
        );
        assert_eq!(FeedKind::detect("README.md", b"# hello"), None);
        assert_eq!(
            FeedKind::detect(
                "c.xml",
                b"<?xml version='1.0'?><Weakness_Catalog Name='CWE'>"
            ),
            Some(FeedKind::CweXml)
        );
    }
}
