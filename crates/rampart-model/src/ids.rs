//! Vulnerability and weakness identifiers: normalization of CVE, GHSA, OSV-style ids and CWE.

use serde::{Deserialize, Serialize};

/// A vulnerability identifier in its canonical spelling (`CVE-2021-44228`, `GHSA-jfh8-c2jp-5v3q`,
/// `PYSEC-2021-1`, `GO-2022-0001`, `RUSTSEC-2021-0001`, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VulnId(pub String);

impl VulnId {
    /// The id's namespace: the part before the first `-` (`CVE`, `GHSA`, `PYSEC` ...).
    pub fn namespace(&self) -> &str {
        self.0.split('-').next().unwrap_or("")
    }
    /// Whether this is a CVE id.
    pub fn is_cve(&self) -> bool {
        self.0.starts_with("CVE-")
    }
}

impl std::fmt::Display for VulnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalizes a vulnerability id as tools write it. CVE and other namespaces are upper-cased;
/// GHSA ids keep the `GHSA-` prefix upper-case and their body lower-case, as GitHub writes
/// them. Returns `None` for empty strings and things that are not ids (no `-`).
pub fn normalize_vuln_id(raw: &str) -> Option<VulnId> {
    let s = raw.trim();
    if s.is_empty() || !s.contains('-') || s.len() > 128 {
        return None;
    }
    let (ns, rest) = s.split_once('-')?;
    let ns_up = ns.to_ascii_uppercase();
    let body = if ns_up == "GHSA" {
        rest.to_ascii_lowercase()
    } else {
        rest.to_ascii_uppercase()
    };
    Some(VulnId(format!("{ns_up}-{body}")))
}

/// Parses a CWE reference as tools write it: `CWE-89`, `cwe-89`, `CWE-89: Improper ...`,
/// `external/cwe/cwe-089`, `89`. Returns the number.
pub fn normalize_cwe(raw: &str) -> Option<u32> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    let tail = if let Some(pos) = lower.rfind("cwe-") {
        &s[pos + 4..]
    } else if let Some(pos) = lower.rfind("cwe:") {
        &s[pos + 4..]
    } else if let Some(pos) = lower.rfind("cwe") {
        &s[pos + 3..]
    } else {
        s
    };
    let digits: String = tail
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if digits.is_empty() {
        return None;
    }
    digits.parse::<u32>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vuln_ids() {
        assert_eq!(
            normalize_vuln_id(" cve-2021-44228 ").unwrap().0,
            "CVE-2021-44228"
        );
        assert_eq!(
            normalize_vuln_id("ghsa-JFH8-c2jp-5v3q").unwrap().0,
            "GHSA-jfh8-c2jp-5v3q"
        );
        assert_eq!(normalize_vuln_id("").map(|v| v.0), None);
        assert_eq!(normalize_vuln_id("nothing").map(|v| v.0), None);
        assert!(normalize_vuln_id("CVE-1-2").unwrap().is_cve());
    }

    #[test]
    fn cwes() {
        assert_eq!(normalize_cwe("CWE-89"), Some(89));
        assert_eq!(normalize_cwe("external/cwe/cwe-079"), Some(79));
        assert_eq!(
            normalize_cwe("CWE-798: Use of Hard-coded Credentials"),
            Some(798)
        );
        assert_eq!(normalize_cwe("22"), Some(22));
        assert_eq!(normalize_cwe("CWE-noinfo"), None);
        assert_eq!(normalize_cwe("security"), None);
    }
}
