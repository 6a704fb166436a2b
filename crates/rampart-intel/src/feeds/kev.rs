//! CISA's Known Exploited Vulnerabilities catalog, JSON
//! (`known_exploited_vulnerabilities.json`: `catalogVersion`, `vulnerabilities[]`) or CSV (the
//! same fields as columns). An entry without a CVE id is a [`RowProblem`], not a failure.

use rampart_model::{KevFacts, normalize_vuln_id};
use serde::Deserialize;

use super::{FeedError, RowProblem};

/// A KEV catalog as read.
#[derive(Debug, Clone, Default)]
pub struct KevCatalog {
    /// `catalogVersion` (JSON only).
    pub version: Option<String>,
    /// The entries, in file order.
    pub entries: Vec<KevFacts>,
    /// Rows that were skipped.
    pub problems: Vec<RowProblem>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: Option<String>,
    vendor_project: Option<String>,
    product: Option<String>,
    vulnerability_name: Option<String>,
    date_added: Option<String>,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
    required_action: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    #[serde(default)]
    catalog_version: Option<String>,
    vulnerabilities: Vec<serde_json::Value>,
}

fn entry(raw: RawEntry) -> Result<KevFacts, String> {
    let cve = raw
        .cve_id
        .as_deref()
        .and_then(normalize_vuln_id)
        .filter(|id| id.is_cve())
        .ok_or_else(|| format!("`cveID` is {:?}: expected a CVE id", raw.cve_id))?;
    let date_added = raw
        .date_added
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .ok_or_else(|| format!("{cve}: no `dateAdded`"))?;
    let text = |s: Option<String>| s.map(|v| v.trim().to_owned()).unwrap_or_default();
    Ok(KevFacts {
        cve: cve.0,
        vendor_project: text(raw.vendor_project),
        product: text(raw.product),
        name: text(raw.vulnerability_name),
        date_added,
        due_date: raw
            .due_date
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()),
        known_ransomware_campaign_use: raw
            .known_ransomware_campaign_use
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("known")),
        required_action: text(raw.required_action),
    })
}

/// Reads the JSON catalog.
pub fn parse_json(bytes: &[u8]) -> Result<KevCatalog, FeedError> {
    let raw: RawCatalog = serde_json::from_slice(bytes).map_err(|source| FeedError::Json {
        what: "KEV JSON (expected an object with `vulnerabilities`)",
        source,
    })?;
    let mut out = KevCatalog {
        version: raw.catalog_version,
        ..KevCatalog::default()
    };
    for (i, v) in raw.vulnerabilities.into_iter().enumerate() {
        let place = format!("/vulnerabilities/{i}");
        match serde_json::from_value::<RawEntry>(v)
            .map_err(|e| e.to_string())
            .and_then(entry)
        {
            Ok(e) => out.entries.push(e),
            Err(reason) => out.problems.push(RowProblem { place, reason }),
        }
    }
    Ok(out)
}

/// Reads the CSV catalog (header `cveID,vendorProject,product,...`).
pub fn parse_csv(bytes: &[u8]) -> Result<KevCatalog, FeedError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| FeedError::Line {
            line: 1,
            message: format!("KEV CSV header: {e}"),
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(cve_col) = col("cveID") else {
        return Err(FeedError::Line {
            line: 1,
            message: "KEV CSV header has no `cveID` column".into(),
        });
    };
    let cols = [
        col("vendorProject"),
        col("product"),
        col("vulnerabilityName"),
        col("dateAdded"),
        col("dueDate"),
        col("knownRansomwareCampaignUse"),
        col("requiredAction"),
    ];
    let mut out = KevCatalog::default();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(RowProblem {
                    place: format!("line {line}"),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::to_owned);
        let raw = RawEntry {
            cve_id: get(Some(cve_col)),
            vendor_project: get(cols[0]),
            product: get(cols[1]),
            vulnerability_name: get(cols[2]),
            date_added: get(cols[3]),
            due_date: get(cols[4]),
            known_ransomware_campaign_use: get(cols[5]),
            required_action: get(cols[6]),
        };
        match entry(raw) {
            Ok(e) => out.entries.push(e),
            Err(reason) => out.problems.push(RowProblem {
                place: format!("line {line}"),
                reason,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_are_reported() {
        let c = parse_json(br#"{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","knownRansomwareCampaignUse":"Known"},{"cveID":"nope"}]}"#).unwrap();
        assert_eq!(c.entries.len(), 1);
        assert!(c.entries[0].known_ransomware_campaign_use);
        assert_eq!(c.problems[0].place, "/vulnerabilities/1");
        let c = parse_csv(b"cveID,dateAdded\nCVE-1-2,2020-01-01\n,2020\n").unwrap();
        assert_eq!((c.entries.len(), c.problems.len()), (1, 1));
        assert!(parse_json(b"[1]").is_err());
    }
}
