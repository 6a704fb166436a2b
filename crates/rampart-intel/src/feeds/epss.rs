//! EPSS daily scores (FIRST, `epss_scores-YYYY-MM-DD.csv`): a first line
//! `#model_version:v2025.03.14,score_date:2025-03-15T00:00:00+0000`, the header
//! `cve,epss,percentile`, then `CVE-ID,probability,percentile` rows.
//!
//! A file whose header line lacks `score_date`, or whose column header is not
//! `cve,epss,percentile`, is rejected: scores of an unknown day cannot be told older or newer
//! than the stored ones. A row that does not parse (or holds a number outside 0–1) is a
//! [`RowProblem`].

use rampart_model::{EpssScore, normalize_vuln_id};

use super::{FeedError, RowProblem};

/// One day's scores.
#[derive(Debug, Clone, Default)]
pub struct EpssFile {
    /// `model_version` from the first line.
    pub model_version: Option<String>,
    /// `score_date` from the first line.
    pub score_date: String,
    /// The scores, in file order.
    pub scores: Vec<EpssScore>,
    /// Rows that were skipped.
    pub problems: Vec<RowProblem>,
}

/// Reads an EPSS CSV (already decompressed).
pub fn parse(bytes: &[u8]) -> Result<EpssFile, FeedError> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim()));
    let (mut model_version, mut score_date) = (None, None);
    let mut header = lines.next();
    if let Some((_, first)) = header.filter(|(_, l)| l.starts_with('#')) {
        for part in first.trim_start_matches('#').split(',') {
            match part.split_once(':') {
                Some(("model_version", v)) => model_version = Some(v.trim().to_owned()),
                Some(("score_date", v)) => score_date = Some(v.trim().to_owned()),
                _ => {}
            }
        }
        header = lines.next();
    }
    let score_date = score_date.filter(|d| !d.is_empty()).ok_or(FeedError::Line {
        line: 1,
        message: "expected `#model_version:<version>,score_date:<date>`: the EPSS header line has no score_date".into(),
    })?;
    match header {
        Some((_, h))
            if h.replace(' ', "")
                .eq_ignore_ascii_case("cve,epss,percentile") => {}
        Some((line, h)) => {
            return Err(FeedError::Line {
                line,
                message: format!("expected the header `cve,epss,percentile`, found `{h}`"),
            });
        }
        None => {
            return Err(FeedError::Line {
                line: 2,
                message: "expected the header `cve,epss,percentile`, found the end of the file"
                    .into(),
            });
        }
    }
    let mut out = EpssFile {
        model_version: model_version.clone(),
        score_date: score_date.clone(),
        ..EpssFile::default()
    };
    for (line, row) in lines {
        if row.is_empty() {
            continue;
        }
        match parse_row(row) {
            Ok((cve, probability, percentile)) => out.scores.push(EpssScore {
                cve,
                probability,
                percentile,
                score_date: Some(score_date.clone()),
                model_version: model_version.clone(),
            }),
            Err(reason) => out.problems.push(RowProblem {
                place: format!("line {line}"),
                reason,
            }),
        }
    }
    Ok(out)
}

fn parse_row(row: &str) -> Result<(String, f64, f64), String> {
    let mut cols = row.split(',').map(str::trim);
    let (Some(cve), Some(p), Some(q)) = (cols.next(), cols.next(), cols.next()) else {
        return Err(format!("expected `CVE-ID,epss,percentile`, found `{row}`"));
    };
    let cve = normalize_vuln_id(cve)
        .filter(|id| id.is_cve())
        .ok_or_else(|| format!("`{cve}` is not a CVE id"))?;
    let num = |s: &str, what: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| format!("{what} `{s}` is not a number between 0 and 1"))
    };
    Ok((cve.0, num(p, "epss")?, num(q, "percentile")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_header() {
        let f = parse(b"#model_version:v1,score_date:2025-01-01T00:00:00Z\ncve,epss,percentile\nCVE-2021-44228,0.97,0.9999\nCVE-1,7e-05,0.1\nCVE-2,2,0.5\n").unwrap();
        assert_eq!(f.score_date, "2025-01-01T00:00:00Z");
        assert_eq!(f.scores.len(), 2);
        assert_eq!(f.scores[1].probability, 7e-05);
        assert_eq!(f.problems[0].place, "line 5");
        assert!(parse(b"#model_version:v1\ncve,epss,percentile\n").is_err());
        assert!(parse(b"#model_version:v1,score_date:x\ninvalid,header\n").is_err());
    }
}
