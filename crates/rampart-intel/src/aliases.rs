//! Alias groups: the ids that name one vulnerability across databases (CVE ⇄ GHSA ⇄ PYSEC ⇄ GO ⇄
//! RUSTSEC ...), merged transitively (if A aliases B and B aliases C, all three are one group).
//!
//! A union-find over normalized ids ([`rampart_model::normalize_vuln_id`]). Each group has a
//! canonical id: its CVE if it has one (the lexicographically first CVE if several), else its
//! lexicographically first id. `related` ids are not aliases and must not be linked here.

use std::collections::HashMap;

use rampart_model::normalize_vuln_id;

/// Alias groups, built incrementally.
#[derive(Clone, Debug, Default)]
pub struct AliasGroups {
    index: HashMap<String, usize>,
    ids: Vec<String>,
    parent: Vec<usize>,
    size: Vec<usize>,
    /// For each root, the position of its group's canonical id.
    best: Vec<usize>,
    /// For each root, the positions of its group's members (merged smaller into larger, so
    /// [`AliasGroups::group`] reads a group without scanning every id).
    members: Vec<Vec<usize>>,
}

/// Whether `a` is a better canonical id than `b`: CVEs first, then lexicographic order.
fn better(a: &str, b: &str) -> bool {
    let (ca, cb) = (a.starts_with("CVE-"), b.starts_with("CVE-"));
    if ca != cb {
        return ca;
    }
    a < b
}

impl AliasGroups {
    /// An empty set of groups.
    pub fn new() -> AliasGroups {
        AliasGroups::default()
    }

    /// Number of distinct ids known.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no id is known.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds an id (normalized) as its own group if new; returns its position, or `None` when the
    /// string is not an id.
    pub fn add(&mut self, id: &str) -> Option<usize> {
        let id = normalize_vuln_id(id)?.0;
        if let Some(&i) = self.index.get(&id) {
            return Some(i);
        }
        let i = self.ids.len();
        self.index.insert(id.clone(), i);
        self.ids.push(id);
        self.parent.push(i);
        self.size.push(1);
        self.best.push(i);
        self.members.push(vec![i]);
        Some(i)
    }

    fn find(&self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i) {
            if p == i {
                break;
            }
            i = p;
        }
        i
    }

    fn id_at(&self, i: usize) -> &str {
        self.ids.get(i).map(String::as_str).unwrap_or("")
    }

    /// Declares `a` and `b` aliases of each other (adding them if new).
    pub fn link(&mut self, a: &str, b: &str) {
        let (Some(x), Some(y)) = (self.add(a), self.add(b)) else {
            return;
        };
        let (rx, ry) = (self.find(x), self.find(y));
        if rx == ry {
            return;
        }
        let (sx, sy) = (
            self.size.get(rx).copied().unwrap_or(1),
            self.size.get(ry).copied().unwrap_or(1),
        );
        let (root, child) = if sx >= sy { (rx, ry) } else { (ry, rx) };
        let (broot, bchild) = (
            self.best.get(root).copied().unwrap_or(root),
            self.best.get(child).copied().unwrap_or(child),
        );
        let best = if better(self.id_at(bchild), self.id_at(broot)) {
            bchild
        } else {
            broot
        };
        if let Some(p) = self.parent.get_mut(child) {
            *p = root;
        }
        if let Some(s) = self.size.get_mut(root) {
            *s = sx + sy;
        }
        if let Some(b) = self.best.get_mut(root) {
            *b = best;
        }
        let moved = self.members.get_mut(child).map(std::mem::take);
        if let (Some(moved), Some(m)) = (moved, self.members.get_mut(root)) {
            m.extend(moved);
        }
    }

    /// Adds a record's id and its `aliases`, all in one group.
    pub fn add_record<'a>(&mut self, id: &str, aliases: impl IntoIterator<Item = &'a str>) {
        self.add(id);
        for alias in aliases {
            self.link(id, alias);
        }
    }

    /// The canonical id of `id`'s group, or `None` for an unknown id.
    pub fn canonical(&self, id: &str) -> Option<&str> {
        let id = normalize_vuln_id(id)?.0;
        let i = *self.index.get(&id)?;
        let root = self.find(i);
        Some(self.id_at(self.best.get(root).copied().unwrap_or(root)))
    }

    /// Whether two ids are in the same group.
    pub fn same_group(&self, a: &str, b: &str) -> bool {
        let pos = |s: &str| normalize_vuln_id(s).and_then(|id| self.index.get(&id.0).copied());
        match (pos(a), pos(b)) {
            (Some(x), Some(y)) => self.find(x) == self.find(y),
            _ => false,
        }
    }

    /// Every id of `id`'s group, canonical first, the rest sorted (empty for an unknown id).
    pub fn group(&self, id: &str) -> Vec<&str> {
        let Some(i) = normalize_vuln_id(id).and_then(|id| self.index.get(&id.0).copied()) else {
            return Vec::new();
        };
        let root = self.find(i);
        let canonical = self.best.get(root).copied().unwrap_or(root);
        let mut rest: Vec<&str> = self
            .members
            .get(root)
            .into_iter()
            .flatten()
            .filter(|&&j| j != canonical)
            .map(|&j| self.id_at(j))
            .collect();
        rest.sort_unstable();
        let mut out = vec![self.id_at(canonical)];
        out.extend(rest);
        out
    }

    /// Every group (canonical id first in each), groups ordered by canonical id.
    pub fn groups(&self) -> Vec<Vec<&str>> {
        let mut by_root: HashMap<usize, Vec<&str>> = HashMap::new();
        for (j, id) in self.ids.iter().enumerate() {
            by_root.entry(self.find(j)).or_default().push(id);
        }
        let mut out: Vec<Vec<&str>> = by_root
            .into_iter()
            .map(|(root, mut members)| {
                let canonical = self.id_at(self.best.get(root).copied().unwrap_or(root));
                members.retain(|m| *m != canonical);
                members.sort_unstable();
                let mut g = vec![canonical];
                g.extend(members);
                g
            })
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_merge_transitively_with_cve_canonical() {
        let mut g = AliasGroups::new();
        g.add_record("GHSA-JFH8-C2JP-5V3Q", ["PYSEC-2021-1"]);
        g.add_record("PYSEC-2021-1", ["CVE-2021-44228"]);
        g.add_record("GO-2022-0001", ["GHSA-xxxx-yyyy-zzzz"]);
        assert_eq!(g.canonical("ghsa-jfh8-c2jp-5v3q"), Some("CVE-2021-44228"));
        assert!(g.same_group("CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"));
        assert!(!g.same_group("CVE-2021-44228", "GO-2022-0001"));
        assert_eq!(g.canonical("GO-2022-0001"), Some("GHSA-xxxx-yyyy-zzzz"));
        assert_eq!(
            g.group("PYSEC-2021-1"),
            vec!["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q", "PYSEC-2021-1"]
        );
        assert_eq!(g.groups().len(), 2);
        assert_eq!(g.canonical("CVE-1999-0001"), None);
    }
}
