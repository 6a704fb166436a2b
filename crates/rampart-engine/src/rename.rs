//! The rename pass: a file renamed (or moved to another directory) with its content keeps its
//! issues. Identity keys contain the path, so after a rename every finding of the file gets a
//! new key and, without this pass, a new issue while the old one is fixed.
//!
//! At the end of an ingest the store hands over the observations that this scan stopped
//! making (*gone*) and those that opened a new issue (*fresh*); [`pair_renames`] pairs them:
//!
//! 1. **content**: same tool, same rule, the same non-empty content evidence (snippet hash or a
//!    location-stable tool fingerprint) in another file;
//! 2. **file**: a file whose fresh findings are exactly the gone findings of one other file of
//!    the same tool (same rules at the same lines, nothing else), and no other file matches as
//!    well: the file was renamed unchanged.
//!
//! The store then moves each fresh observation to the old issue, drops the new issue, and
//! records "moved from a.py:42 to b.py:42".

pub use rampart_model::rename::{RenameCandidate, RenamePair};
use std::collections::{BTreeMap, HashSet};

/// Pairs fresh observations with gone ones of renamed files (at most one pair per new issue);
/// see the module documentation.
pub fn pair_renames(gone: &[RenameCandidate], fresh: &[RenameCandidate]) -> Vec<RenamePair> {
    let mut out = Vec::new();
    let mut used_gone: HashSet<usize> = HashSet::new();
    let mut used_fresh: HashSet<usize> = HashSet::new();
    let mut new_issues: HashSet<i64> = HashSet::new();
    let mut push = |f: &RenameCandidate, g: &RenameCandidate, how: &str| {
        // One new issue continues one old issue (its other observations follow it).
        if !new_issues.insert(f.issue) {
            return;
        }
        out.push(RenamePair {
            observation: f.observation,
            new_issue: f.issue,
            old_issue: g.issue,
            detail: format!("moved from {} to {} ({how})", g.place(), f.place()),
        });
    };
    // 1. Same content evidence in another file.
    for (fi, f) in fresh.iter().enumerate() {
        if f.content.is_empty() {
            continue;
        }
        if let Some((gi, g)) = gone.iter().enumerate().find(|(gi, g)| {
            !used_gone.contains(gi)
                && g.tool == f.tool
                && g.rule == f.rule
                && g.content == f.content
                && g.path != f.path
        }) {
            used_gone.insert(gi);
            used_fresh.insert(fi);
            push(f, g, "renamed file, same code");
        }
    }
    // 2. Whole files whose findings are unchanged.
    type Sig = Vec<(String, Option<u32>)>;
    let group = |list: &[RenameCandidate], used: &HashSet<usize>| {
        let mut m: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (i, c) in list.iter().enumerate().filter(|(i, _)| !used.contains(i)) {
            m.entry((c.tool.clone(), c.path.clone()))
                .or_default()
                .push(i);
        }
        m.into_iter()
            .map(|(k, mut idx)| {
                idx.sort_by_key(|i| (list[*i].rule.clone(), list[*i].line));
                let sig: Sig = idx
                    .iter()
                    .map(|i| (list[*i].rule.clone(), list[*i].line))
                    .collect();
                (k, (sig, idx))
            })
            .collect::<Vec<_>>()
    };
    let gone_files = group(gone, &used_gone);
    let fresh_files = group(fresh, &used_fresh);
    for ((tool, path), (sig, idx)) in &fresh_files {
        let matches: Vec<&Vec<usize>> = gone_files
            .iter()
            .filter(|((t, p), (s, _))| t == tool && p != path && s == sig)
            .map(|(_, (_, gidx))| gidx)
            .collect();
        // The same findings in two gone files: which one was renamed is not knowable.
        if matches.len() != 1 {
            continue;
        }
        for (fi, gi) in idx.iter().zip(matches[0].iter()) {
            push(&fresh[*fi], &gone[*gi], "renamed file, same findings");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(
        obs: i64,
        issue: i64,
        rule: &str,
        path: &str,
        line: u32,
        content: &str,
    ) -> RenameCandidate {
        RenameCandidate {
            observation: obs,
            issue,
            tool: "bandit".into(),
            rule: rule.into(),
            path: path.into(),
            line: Some(line),
            content: content.into(),
        }
    }

    #[test]
    fn renamed_files_pair_and_changed_ones_do_not() {
        let gone = vec![
            c(1, 10, "B608", "a.py", 42, "s:1"),
            c(2, 11, "B113", "x.py", 5, ""),
            c(3, 12, "B108", "x.py", 9, ""),
            c(4, 13, "B105", "y.py", 3, ""),
        ];
        let fresh = vec![
            c(21, 30, "B608", "b.py", 31, "s:1"),
            c(22, 31, "B113", "z.py", 5, ""),
            c(23, 32, "B108", "z.py", 9, ""),
            // y.py's finding moved lines and lost nothing else: not provably a rename.
            c(24, 33, "B105", "w.py", 4, ""),
        ];
        let pairs = pair_renames(&gone, &fresh);
        let mut got: Vec<(i64, i64)> = pairs.iter().map(|p| (p.observation, p.old_issue)).collect();
        got.sort_unstable();
        assert_eq!(got, vec![(21, 10), (22, 11), (23, 12)]);
        assert!(pairs[0].detail.starts_with("moved from a.py:42 to b.py:31"));
    }
}
