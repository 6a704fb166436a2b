//! Every OSV record under `corpus/osv` (JSON and YAML), read in place:
//!
//! * each file parses as one record with the id its file name says;
//! * range agreement: for every `affected[]` entry that has both `ranges` and an explicit `versions`
//!   list, every listed version must evaluate as affected under the ranges alone — reported per
//!   ecosystem, with each remaining disagreement explained below;
//! * parse + index time of the whole corpus is printed (no assertion: machines differ).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rampart_intel::osv::{
    self, AdvisoryIndex, AffectedBy, Affectedness, Bound, Format, RangeKind, Record, Unknown,
    evaluate_ranges,
};

/// OSV folders and the number of record files each holds (corpus README, section 3 and 7).
const FOLDERS: &[(&str, usize)] = &[
    ("osv/bitnami-vulndb", 7444),
    ("osv/ghsa-extracted", 48),
    ("osv/ghsa-npm", 198),
    ("osv/golang-vulndb", 4291),
    ("osv/google-oss-fuzz-vulns", 4026),
    ("osv/haskell-security-advisories-osv", 35),
    ("osv/psf-advisory-database", 132),
    ("osv/pypa-advisory-database", 2661),
    ("osv/r-advisory-database", 14),
    ("osv/rustsec-advisory-db-osv", 1206),
];

fn record_files() -> Vec<(PathBuf, Format)> {
    let mut out = Vec::new();
    for (folder, expected) in FOLDERS {
        let files = common::files(folder, &[".json", ".yaml", ".yml"]);
        assert_eq!(files.len(), *expected, "record files in {folder}");
        for f in files {
            let format = Format::from_path(&f.to_string_lossy());
            out.push((f, format));
        }
    }
    out
}

fn read_record(path: &Path, format: Format) -> Record {
    let bytes = std::fs::read(path).expect("read record");
    let parsed = match format {
        Format::Json => osv::from_json(&bytes),
        Format::Yaml => osv::from_yaml(&bytes),
    };
    parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_record_parses_with_its_file_id() {
    if common::dir().is_none() {
        return;
    }
    let files = record_files();
    assert_eq!(files.len(), 20_055);
    let mut withdrawn = 0;
    let mut with_aliases = 0;
    for (path, format) in &files {
        let r = read_record(path, *format);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert_eq!(r.id, stem, "{}: id vs file name", path.display());
        withdrawn += usize::from(r.is_withdrawn());
        with_aliases += usize::from(!r.aliases.is_empty());
    }
    println!(
        "records: {}, withdrawn: {withdrawn}, with aliases: {with_aliases}",
        files.len()
    );
    assert!(with_aliases > 10_000, "{with_aliases}");
}

#[test]
fn ghsa_records_keep_database_specific_fields() {
    let Some(path) = common::file("osv/ghsa-npm/osv-scanner-santatracker/GHSA-3fx5-fwvr-xrjg.json")
    else {
        return;
    };
    let r = read_record(&path, Format::Json);
    assert_eq!(r.id, "GHSA-3fx5-fwvr-xrjg");
    assert_eq!(r.aliases, ["CVE-2015-8315"]);
    assert_eq!(r.cwe_ids(), [1333, 400]);
    assert_eq!(r.database_severity(), Some("HIGH"));
    assert_eq!(
        r.cvss_vectors(),
        [("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")]
    );
    let a = &r.affected[0];
    let p = a.package.as_ref().expect("package");
    assert_eq!((p.ecosystem.as_str(), p.name.as_str()), ("npm", "ms"));
    assert_eq!(p.purl.as_deref(), Some("pkg:npm/ms"));
    assert_eq!(a.ranges[0].kind, RangeKind::Semver);
    assert_eq!(a.fixed_versions(), ["0.7.1"]);
    assert!(
        a.database_specific
            .as_ref()
            .is_some_and(|d| d["source"].is_string())
    );
    assert_eq!(
        osv::affected(a, "0.7.0"),
        Affectedness::Affected(AffectedBy::Range {
            range: 0,
            introduced: "0".into(),
            until: Some(Bound::Fixed("0.7.1".into())),
        })
    );
    assert_eq!(osv::affected(a, "0.7.1"), Affectedness::NotAffected);

    // The same advisory as GitHub publishes it: ECOSYSTEM range, fewer database_specific fields.
    let native =
        common::file("osv/ghsa-npm/github-native/GHSA-3fx5-fwvr-xrjg.json").expect("corpus");
    let n = read_record(&native, Format::Json);
    assert_eq!(n.affected[0].ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(n.cwe_ids(), [400]);
    assert!(osv::affected(&n.affected[0], "0.6.2").is_affected());
}

#[derive(Default)]
struct Tally {
    checked: usize,
    agree: usize,
    git_only: usize,
    disagreements: Vec<String>,
}

/// Disagreements between a `versions` list and the ranges of the same entry, explained. Each entry
/// is (ecosystem, record id, listed version, explanation). Every one was checked by hand against
/// the record: the list is the enumeration of something other than the ECOSYSTEM ranges.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str, &str)] = &[
    ("PyPI", "PYSEC-2023-61", "3.2a1", DJANGO_PRERELEASES),
    ("PyPI", "PYSEC-2023-61", "3.2b1", DJANGO_PRERELEASES),
    ("PyPI", "PYSEC-2023-61", "3.2rc1", DJANGO_PRERELEASES),
    ("PyPI", "PYSEC-2023-61", "4.2a1", DJANGO_PRERELEASES),
    ("PyPI", "PYSEC-2023-61", "4.2b1", DJANGO_PRERELEASES),
    ("PyPI", "PYSEC-2023-61", "4.2rc1", DJANGO_PRERELEASES),
    (
        "PyPI",
        "PYSEC-2021-114",
        "2.11.6",
        "wagtail: the events are written as overlapping pairs (introduced 2.11 / fixed 2.11.7, \
         introduced 0 / fixed 2.11.6, ...). OSV evaluates the events sorted (0, 2.11, 2.11.6, \
         2.11.7 ...), so the interval opened at 0 closes at 2.11.6 and 2.11.6 is outside, as in \
         osv-scanner; the list enumerates the written pairs. `osv::affected` reports it affected \
         through the list.",
    ),
];

const DJANGO_PRERELEASES: &str = "Django 3.2 / 4.2 pre-releases: the list (PyPA's enumeration) includes the a1/b1/rc1 releases of \
     the `introduced` version, but under PEP 440 `3.2a1 < 3.2`, so the range `introduced: 3.2` \
     excludes them. Rampart keeps the PEP 440 answer for the ranges; `osv::affected` still reports \
     these versions affected through the `versions` list.";

#[test]
fn listed_versions_are_inside_the_ranges() {
    if common::dir().is_none() {
        return;
    }
    let mut per_eco: BTreeMap<String, Tally> = BTreeMap::new();
    let mut known_seen = 0;
    let mut not_affected_with_list = Vec::new();
    for (path, format) in record_files() {
        let r = read_record(&path, format);
        for a in &r.affected {
            if a.ranges.is_empty() || a.versions.is_empty() {
                continue;
            }
            let eco = a
                .package
                .as_ref()
                .map(|p| p.ecosystem.clone())
                .unwrap_or_default();
            let t = per_eco.entry(eco.clone()).or_default();
            for v in &a.versions {
                t.checked += 1;
                // With the list taken into account every listed version is affected.
                if !osv::affected(a, v).is_affected() {
                    not_affected_with_list.push(format!("{} {v}", r.id));
                }
                match evaluate_ranges(a, v) {
                    Affectedness::Affected(_) => t.agree += 1,
                    Affectedness::Unknown(Unknown::GitRangesNotEvaluable) => t.git_only += 1,
                    other => {
                        let known = KNOWN_DISAGREEMENTS
                            .iter()
                            .any(|(e, id, ver, _)| *e == eco && *id == r.id && ver == v);
                        if known {
                            known_seen += 1;
                        } else {
                            t.disagreements.push(format!("{} {v:?}: {other:?}", r.id));
                        }
                    }
                }
            }
        }
    }
    let mut report = Vec::new();
    for (eco, t) in &per_eco {
        let evaluable = t.checked - t.git_only;
        println!(
            "{eco:<12} listed versions {:>6}: inside ranges {:>6}, GIT-only (not evaluable) {:>6}, disagree {:>4} ({:.3}% of evaluable agree)",
            t.checked,
            t.agree,
            t.git_only,
            evaluable - t.agree,
            if evaluable == 0 {
                100.0
            } else {
                100.0 * t.agree as f64 / evaluable as f64
            }
        );
        for d in t.disagreements.iter().take(15) {
            report.push(format!("{eco}: {d}"));
        }
    }
    let total: usize = per_eco.values().map(|t| t.disagreements.len()).sum();
    assert!(
        total == 0,
        "{total} unexplained disagreements, first ones:\n{report:#?}"
    );
    assert_eq!(
        known_seen,
        KNOWN_DISAGREEMENTS.len(),
        "every listed disagreement still occurs"
    );
    assert!(
        not_affected_with_list.is_empty(),
        "{not_affected_with_list:?}"
    );
    let ecosystems: Vec<&str> = per_eco.keys().map(String::as_str).collect();
    assert_eq!(
        ecosystems,
        [
            "CRAN",
            "Go",
            "Maven",
            "NuGet",
            "OSS-Fuzz",
            "Packagist",
            "PyPI",
            "RubyGems",
            "npm"
        ]
    );
    // OSS-Fuzz entries carry GIT ranges only: none is evaluable, none is guessed.
    let oss_fuzz = &per_eco["OSS-Fuzz"];
    assert_eq!((oss_fuzz.agree, oss_fuzz.git_only), (0, oss_fuzz.checked));
    // Agreement over the evaluable listed versions: 100% everywhere but PyPI (7 explained above).
    for (eco, t) in &per_eco {
        let evaluable = t.checked - t.git_only;
        let expected_misses = KNOWN_DISAGREEMENTS.iter().filter(|k| k.0 == eco).count();
        assert_eq!(t.agree, evaluable - expected_misses, "{eco}");
    }
}

#[test]
fn parse_and_index_whole_corpus_time() {
    if common::dir().is_none() {
        return;
    }
    let files = record_files();
    let blobs: Vec<(Vec<u8>, Format)> = files
        .iter()
        .map(|(p, f)| (std::fs::read(p).expect("read"), *f))
        .collect();
    let start = Instant::now();
    let mut index = AdvisoryIndex::new();
    for (bytes, format) in &blobs {
        let r = match format {
            Format::Json => osv::from_json(bytes),
            Format::Yaml => osv::from_yaml(bytes),
        }
        .expect("record parses");
        index.insert(r);
    }
    let elapsed = start.elapsed();
    println!(
        "parsed and indexed {} records ({} alias ids) in {:.3} s (files read beforehand)",
        index.len(),
        index.aliases().len(),
        elapsed.as_secs_f64()
    );
    // The same record is stored twice in a few places (GHSA-3fx5-fwvr-xrjg in two ghsa-npm
    // folders, five OSS-Fuzz records under two project folders): one index entry per id.
    let ids: std::collections::HashSet<String> = files
        .iter()
        .map(|(p, _)| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(index.len(), ids.len());
    assert_eq!(files.len() - ids.len(), 6);

    // Alias groups across databases, merged transitively.
    let groups = index.aliases();
    // GO-2022-0564 names the CVE and a GHSA, HSEC-2023-0002 only the CVE.
    assert!(groups.same_group("GO-2022-0564", "HSEC-2023-0002"));
    assert_eq!(groups.canonical("HSEC-2023-0002"), Some("CVE-2022-31053"));
    assert_eq!(
        groups.canonical("GHSA-75rw-34q6-72cr"),
        Some("CVE-2022-31053")
    );
    // Bitnami, GHSA and PyPA records of one Django CVE.
    assert_eq!(groups.canonical("PYSEC-2022-3"), Some("CVE-2021-45452"));
    assert!(groups.same_group("BIT-django-2021-45452", "GHSA-jrh2-hc4r-7jwx"));
    // A group with three CVEs (one Bitnami record aliasing them all): the first one is canonical.
    assert_eq!(
        groups.canonical("GHSA-xv3h-4844-9h36"),
        Some("CVE-2022-24775")
    );
    assert!(!groups.same_group("PYSEC-2022-3", "GO-2022-0564"));
}
