//! An in-memory index of OSV records: by id, by (ecosystem family, normalized package name), and
//! their alias groups. Matching inventories against it is the caller's business.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::compiled::CompiledAffected;
use super::{Affected, Record};
use crate::aliases::AliasGroups;
use crate::ecosystem::{Base, Ecosystem, normalize_name};

/// One `affected[]` entry under its package key: where it is, its ecosystem (parsed once) and
/// its compiled form (built at its first evaluation, then kept).
#[derive(Clone, Debug)]
struct Slot {
    record: usize,
    entry: usize,
    ecosystem: Ecosystem,
    compiled: OnceLock<CompiledAffected>,
}

/// Records indexed for lookup by package.
#[derive(Clone, Debug, Default)]
pub struct AdvisoryIndex {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
    /// Entries by ecosystem family, then normalized package name (two levels, so that a lookup
    /// borrows the name instead of building a key).
    by_package: HashMap<Base, HashMap<String, Vec<Slot>>>,
    aliases: AliasGroups,
}

/// An `affected[]` entry naming a looked-up package, with its compiled form.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The advisory.
    pub record: &'a Record,
    /// The entry.
    pub entry: &'a Affected,
    /// The entry compiled for evaluation ([`CompiledAffected::evaluate`] with `entry`).
    pub compiled: &'a CompiledAffected,
}

impl AdvisoryIndex {
    /// An empty index.
    pub fn new() -> AdvisoryIndex {
        AdvisoryIndex::default()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Adds a record. A record whose id is already present replaces it when its `modified` is not
    /// older (RFC 3339 timestamps in UTC compare as text); returns whether the record was taken.
    pub fn insert(&mut self, record: Record) -> bool {
        if let Some(&pos) = self.by_id.get(&record.id) {
            let newer = match (
                &record.modified,
                self.records.get(pos).and_then(|r| r.modified.as_ref()),
            ) {
                (Some(new), Some(old)) => new >= old,
                _ => true,
            };
            if !newer {
                return false;
            }
            self.remove_package_entries(pos);
            self.index_packages(pos, &record);
            self.aliases
                .add_record(&record.id, record.aliases.iter().map(String::as_str));
            if let Some(slot) = self.records.get_mut(pos) {
                *slot = record;
            }
            return true;
        }
        let pos = self.records.len();
        self.by_id.insert(record.id.clone(), pos);
        self.index_packages(pos, &record);
        self.aliases
            .add_record(&record.id, record.aliases.iter().map(String::as_str));
        self.records.push(record);
        true
    }

    /// The lookup keys of a record's affected packages, with the parsed ecosystems and the
    /// entry positions.
    fn package_keys(record: &Record) -> impl Iterator<Item = (Ecosystem, String, usize)> + '_ {
        record.affected.iter().enumerate().filter_map(|(j, a)| {
            // An entry without an ecosystem matches nothing (`Affected::ecosystem` is `None`).
            let p = a
                .package
                .as_ref()
                .filter(|p| !p.name.trim().is_empty() && !p.ecosystem.trim().is_empty())?;
            let ecosystem = Ecosystem::parse(&p.ecosystem);
            let name = normalize_name(&ecosystem.base, &p.name);
            Some((ecosystem, name, j))
        })
    }

    fn index_packages(&mut self, pos: usize, record: &Record) {
        for (ecosystem, name, j) in Self::package_keys(record) {
            self.by_package
                .entry(ecosystem.base.clone())
                .or_default()
                .entry(name)
                .or_default()
                .push(Slot {
                    record: pos,
                    entry: j,
                    ecosystem,
                    compiled: OnceLock::new(),
                });
        }
    }

    fn remove_package_entries(&mut self, pos: usize) {
        let Some(old) = self.records.get(pos) else {
            return;
        };
        let keys: Vec<(Base, String)> = Self::package_keys(old)
            .map(|(e, n, _)| (e.base, n))
            .collect();
        for (base, name) in keys {
            if let Some(entries) = self
                .by_package
                .get_mut(&base)
                .and_then(|m| m.get_mut(&name))
            {
                entries.retain(|s| s.record != pos);
            }
        }
    }

    /// The record with this id.
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.by_id.get(id).and_then(|&i| self.records.get(i))
    }

    /// Every record, in insertion order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The alias groups of every indexed record.
    pub fn aliases(&self) -> &AliasGroups {
        &self.aliases
    }

    /// The `affected[]` entries naming package `name` of `ecosystem`, from records that are not
    /// withdrawn and whose ecosystem covers it ([`Ecosystem::covers`]: `Debian` covers
    /// `Debian:12`, `Debian:11` does not).
    pub fn candidates<'a, 'e>(
        &'a self,
        ecosystem: &'e Ecosystem,
        name: &str,
    ) -> impl Iterator<Item = (&'a Record, &'a Affected)> + use<'a, 'e> {
        self.compiled_candidates(ecosystem, name)
            .map(|c| (c.record, c.entry))
    }

    /// [`AdvisoryIndex::candidates`] with each entry's compiled form (compiled at its first
    /// use, then kept for every later lookup).
    pub fn compiled_candidates<'a, 'e>(
        &'a self,
        ecosystem: &'e Ecosystem,
        name: &str,
    ) -> impl Iterator<Item = Candidate<'a>> + use<'a, 'e> {
        let name = normalize_name(&ecosystem.base, name);
        self.by_package
            .get(&ecosystem.base)
            .and_then(|m| m.get(&name))
            .into_iter()
            .flatten()
            .filter_map(move |slot| {
                let record = self.records.get(slot.record)?;
                let entry = record.affected.get(slot.entry)?;
                if record.is_withdrawn() || !slot.ecosystem.covers(ecosystem) {
                    return None;
                }
                let compiled = slot.compiled.get_or_init(|| CompiledAffected::new(entry));
                Some(Candidate {
                    record,
                    entry,
                    compiled,
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::from_json;
    use super::*;

    #[test]
    fn lookup_by_package_and_release() {
        let mut idx = AdvisoryIndex::new();
        idx.insert(from_json(br#"{"id":"DSA-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"}}]}"#).unwrap());
        idx.insert(from_json(br#"{"id":"PYSEC-1","aliases":["CVE-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"Django_Rest"}}]}"#).unwrap());
        idx.insert(from_json(br#"{"id":"W-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"django-rest"}}]}"#).unwrap());
        let pypi = Ecosystem::parse("PyPI");
        assert_eq!(idx.candidates(&pypi, "django.rest").count(), 1);
        assert_eq!(
            idx.candidates(&Ecosystem::parse("Debian:12"), "openssl")
                .count(),
            1
        );
        assert_eq!(
            idx.candidates(&Ecosystem::parse("Debian:11"), "openssl")
                .count(),
            0
        );
        assert_eq!(idx.aliases().canonical("PYSEC-1"), Some("CVE-1"));
        // An older copy does not replace a newer one.
        assert!(
            !idx.insert(from_json(br#"{"id":"DSA-1","modified":"2023-01-01T00:00:00Z"}"#).unwrap())
        );
        assert_eq!(idx.len(), 3);
    }
}
