//! One CycloneDX vulnerability × one affected component → one [`Observation`]: ids and
//! aliases, severity from the ratings, CWEs, fixed versions, and the VEX analysis as a
//! [`Suppression`].

use super::raw::{RawAffect, RawRating, RawVulnerability, clean};
use rampart_model::{
    Cvss, CvssVersion, FindingKind, Location, Observation, Severity, SeverityInfo, Suppression,
    ToolInfo, VulnId, normalize_cwe, normalize_vuln_id,
};

/// Builds the observation of `vuln` on the package at `location` (`affect` is the
/// `affects[]` entry that named it, if any). The caller has checked that `vuln.id` is set.
pub(crate) fn observation(
    vuln: &RawVulnerability,
    affect: Option<&RawAffect>,
    mut location: Location,
    tool: &ToolInfo,
    source_ref: String,
) -> Observation {
    let id = clean(vuln.id.clone()).unwrap_or_default();
    let (ranges, fixed) = affected_versions(affect);
    if let Location::Package(p) = &mut location {
        p.fixed_versions = if fixed.is_empty() {
            vuln.recommendation
                .as_deref()
                .map(versions_from_recommendation)
                .unwrap_or_default()
        } else {
            fixed
        };
    }
    let title = format!("{id} in {}", package_label(&location))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut obs = Observation::new(
        &tool.name,
        FindingKind::Dependency,
        id.clone(),
        title,
        location,
    );
    obs.tool = tool.clone();
    obs.message = message(vuln, &ranges);
    obs.severity = severity(&vuln.ratings);
    obs.cwes = cwes(&vuln.cwes);
    obs.vuln_ids = vuln_ids(&id, &vuln.aliases);
    obs.remediation = clean(vuln.recommendation.clone()).or_else(|| clean(vuln.workaround.clone()));
    obs.references = references(vuln);
    obs.suppression = suppression(vuln);
    obs.tags = tags(vuln, &ranges);
    obs.source_ref = source_ref;
    obs
}

/// `name version` (or the purl, or `-`) for titles.
fn package_label(location: &Location) -> String {
    match location {
        Location::Package(p) => match &p.version {
            Some(v) => format!("{} {v}", p.name),
            None => p.name.clone(),
        },
        other => other.display(),
    }
}

/// `(ranges as tags, fixed versions)` from `affects[].versions`: exact versions with status
/// `unaffected` are fixed versions; ranges are kept as `<status>-range:<vers>`.
fn affected_versions(affect: Option<&RawAffect>) -> (Vec<String>, Vec<String>) {
    let mut ranges = Vec::new();
    let mut fixed = Vec::new();
    for v in affect.map(|a| a.versions.as_slice()).unwrap_or_default() {
        let status = clean(v.status.clone())
            .unwrap_or_else(|| "affected".into())
            .to_ascii_lowercase();
        if let Some(range) = clean(v.range.clone()) {
            ranges.push(format!("{status}-range:{range}"));
        }
        if let Some(version) = clean(v.version.clone())
            && status == "unaffected"
            && !fixed.contains(&version)
        {
            fixed.push(version);
        }
    }
    (ranges, fixed)
}

/// Versions named by a recommendation such as Trivy's `Upgrade x to version 1.2.3, 2.0.1 or
/// higher.`; empty when the text does not have that shape.
pub(crate) fn versions_from_recommendation(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let Some(pos) = lower.find(" to version ") else {
        return Vec::new();
    };
    let Some(tail) = text.get(pos + " to version ".len()..) else {
        return Vec::new();
    };
    let tail = tail.trim().trim_end_matches('.');
    let tail = tail
        .strip_suffix(" or higher")
        .or_else(|| tail.strip_suffix(" or later"))
        .unwrap_or(tail);
    tail.split(',')
        .flat_map(|part| part.split(" or "))
        .map(str::trim)
        .filter(|v| {
            !v.is_empty()
                && !v.contains(char::is_whitespace)
                && v.trim_start_matches(['v', 'V'])
                    .starts_with(|c: char| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

/// The description (else the detail), with the affected ranges appended.
fn message(vuln: &RawVulnerability, ranges: &[String]) -> Option<String> {
    let mut text = clean(vuln.description.clone()).or_else(|| clean(vuln.detail.clone()));
    if !ranges.is_empty() {
        let note = format!("Version ranges: {}", ranges.join("; "));
        text = Some(match text {
            Some(t) => format!("{t}\n\n{note}"),
            None => note,
        });
    }
    text
}

/// How much a rating method is preferred: CVSS v4 over v3.1 over v3.0 over v2 over others.
fn method_rank(method: Option<&str>) -> u8 {
    match method.map(|m| m.trim().to_ascii_lowercase()).as_deref() {
        Some("cvssv4") => 4,
        Some("cvssv31") => 3,
        Some("cvssv3") => 2,
        Some("cvssv2") => 1,
        _ => 0,
    }
}

fn score_of(r: &RawRating) -> Option<f64> {
    r.score
        .as_deref()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && (0.0..=10.0).contains(s))
}

/// Severity from the ratings: the best CVSS v4 / v3.x rating with a score decides the level
/// (its severity word, else its score, is the label); without one, the severity word of the
/// best-ranked rating that has a known word; else any score (CVSS v2, OWASP ...); else info.
pub(crate) fn severity(ratings: &[RawRating]) -> SeverityInfo {
    let mut info = SeverityInfo {
        cvss: cvss_list(ratings),
        ..SeverityInfo::default()
    };
    let best_cvss = ratings
        .iter()
        .filter(|r| method_rank(r.method.as_deref()) >= 2 && score_of(r).is_some())
        .fold(None::<&RawRating>, |best, r| match best {
            Some(b) if method_rank(b.method.as_deref()) >= method_rank(r.method.as_deref()) => {
                Some(b)
            }
            _ => Some(r),
        });
    if let Some(r) = best_cvss {
        let score = score_of(r).unwrap_or_default();
        info.level = Severity::from_cvss_score(score);
        info.tool_label = clean(r.severity.clone()).or_else(|| clean(r.score.clone()));
        return info;
    }
    let mut worded: Vec<&RawRating> = ratings
        .iter()
        .filter(|r| {
            r.severity
                .as_deref()
                .and_then(Severity::from_label)
                .is_some()
        })
        .collect();
    worded.sort_by_key(|r| std::cmp::Reverse(method_rank(r.method.as_deref())));
    if let Some(r) = worded.first() {
        let word = clean(r.severity.clone()).unwrap_or_default();
        info.level = Severity::from_label(&word).unwrap_or_default();
        info.tool_label = Some(word);
        return info;
    }
    if let Some((r, s)) = ratings.iter().find_map(|r| score_of(r).map(|s| (r, s))) {
        info.level = Severity::from_cvss_score(s);
        info.tool_label = clean(r.score.clone());
        return info;
    }
    info.tool_label = ratings.iter().find_map(|r| clean(r.severity.clone()));
    info
}

/// One [`Cvss`] per rating with a vector, best version first.
fn cvss_list(ratings: &[RawRating]) -> Vec<Cvss> {
    let mut out: Vec<Cvss> = Vec::new();
    for r in ratings {
        let Some(vector) = clean(r.vector.clone()) else {
            continue;
        };
        let score = score_of(r);
        let version = match method_rank(r.method.as_deref()) {
            4 => Some(CvssVersion::V4),
            2 | 3 => Some(CvssVersion::V3),
            1 => Some(CvssVersion::V2),
            _ => None,
        };
        let mut c = Cvss::from_vector(&vector, score);
        if let Some(v) = version {
            c.version = v;
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    let rank = |v: CvssVersion| match v {
        CvssVersion::V4 => 0,
        CvssVersion::V3 => 1,
        CvssVersion::V2 => 2,
    };
    out.sort_by_key(|c| rank(c.version));
    out
}

fn cwes(raw: &[String]) -> Vec<u32> {
    let mut out = Vec::new();
    for c in raw.iter().filter_map(|c| normalize_cwe(c)) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The id first, then the `references[].id` aliases; normalized, once each.
fn vuln_ids(id: &str, aliases: &[String]) -> Vec<VulnId> {
    let mut out: Vec<VulnId> = Vec::new();
    for v in std::iter::once(id)
        .chain(aliases.iter().map(String::as_str))
        .filter_map(normalize_vuln_id)
    {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Advisory URLs, then the source's URL.
fn references(vuln: &RawVulnerability) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in vuln
        .advisories
        .iter()
        .cloned()
        .chain(vuln.source_url.clone())
        .filter_map(|u| clean(Some(u)))
    {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The VEX analysis as a suppression, when it states a `state`.
fn suppression(vuln: &RawVulnerability) -> Option<Suppression> {
    let a = &vuln.analysis;
    let state = clean(a.state.clone())?;
    let justification = match (clean(a.justification.clone()), clean(a.detail.clone())) {
        (Some(j), Some(d)) => Some(format!("{j}: {d}")),
        (j, d) => j.or(d),
    };
    Some(Suppression {
        kind: "vex".into(),
        status: Some(state),
        justification,
    })
}

/// `source:<name>`, the VEX responses as `vex-response:<r>`, and the version ranges.
fn tags(vuln: &RawVulnerability, ranges: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(s) = clean(vuln.source_name.clone()) {
        out.push(format!("source:{s}"));
    }
    for r in vuln
        .analysis
        .responses
        .iter()
        .filter_map(|r| clean(Some(r.clone())))
    {
        out.push(format!("vex-response:{r}"));
    }
    out.extend(ranges.iter().cloned());
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(method: &str, score: &str, sev: &str, vector: &str) -> RawRating {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        RawRating {
            source: None,
            score: opt(score),
            severity: opt(sev),
            method: opt(method),
            vector: opt(vector),
        }
    }

    #[test]
    fn prefers_best_cvss_rating() {
        let s = severity(&[
            rating("CVSSv2", "4.3", "Medium", "AV:N/AC:M/Au:N/C:N/I:P/A:N"),
            rating(
                "CVSSv31",
                "9.8",
                "critical",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            ),
            rating("CVSSv31", "0.0", "none", ""),
        ]);
        assert_eq!(s.level, Severity::Critical);
        assert_eq!(s.tool_label.as_deref(), Some("critical"));
        assert_eq!(s.cvss.len(), 2);
        assert_eq!(s.cvss[0].version, CvssVersion::V3);
        assert_eq!(s.cvss[1].version, CvssVersion::V2);
    }

    #[test]
    fn falls_back_to_words_then_scores() {
        let s = severity(&[rating("", "", "high", ""), rating("other", "", "low", "")]);
        assert_eq!(
            (s.level, s.tool_label.as_deref()),
            (Severity::High, Some("high"))
        );
        let s = severity(&[rating("CVSSv3", "10.0", "", "CVSS:3.1/AV:N")]);
        assert_eq!(
            (s.level, s.tool_label.as_deref()),
            (Severity::Critical, Some("10.0"))
        );
        let s = severity(&[rating("OWASP", "5", "", "")]);
        assert_eq!(s.level, Severity::Medium);
        let s = severity(&[rating("", "", "weird", "")]);
        assert_eq!(
            (s.level, s.tool_label.as_deref()),
            (Severity::Info, Some("weird"))
        );
        assert_eq!(severity(&[]).level, Severity::Info);
    }

    #[test]
    fn reads_recommendation_versions() {
        assert_eq!(
            versions_from_recommendation(
                "Upgrade com.fasterxml.jackson.core:jackson-databind to version 2.6.7.5, 2.8.11.1, 2.9.5 or higher."
            ),
            vec!["2.6.7.5", "2.8.11.1", "2.9.5"]
        );
        assert_eq!(
            versions_from_recommendation("Upgrade libidn2-0 to version 2.0.5-1+deb10u1"),
            vec!["2.0.5-1+deb10u1"]
        );
        assert!(versions_from_recommendation("Upgrade to the latest version").is_empty());
        assert!(versions_from_recommendation("Upgrade x to version whatever works").is_empty());
    }
}
