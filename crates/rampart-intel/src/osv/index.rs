//! An in-memory index of OSV records: by id, by (ecosystem family, normalized package name), and
//! their alias groups. Matching inventories against it is the caller's business.

use std::collections::HashMap;

use super::{Affected, Record};
use crate::aliases::AliasGroups;
use crate::ecosystem::{Base, Ecosystem, normalize_name};

/// Records indexed for lookup by package.
#[derive(Clone, Debug, Default)]
pub struct AdvisoryIndex {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
    by_package: HashMap<(Base, String), Vec<(usize, usize)>>,
    aliases: AliasGroups,
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

    /// The lookup keys of a record's affected packages, with the entry positions.
    fn package_keys(record: &Record) -> impl Iterator<Item = ((Base, String), usize)> + '_ {
        record.affected.iter().enumerate().filter_map(|(j, a)| {
            let p = a.package.as_ref().filter(|p| !p.name.trim().is_empty())?;
            let base = Ecosystem::parse(&p.ecosystem).base;
            let name = normalize_name(&base, &p.name);
            Some(((base, name), j))
        })
    }

    fn index_packages(&mut self, pos: usize, record: &Record) {
        for (key, j) in Self::package_keys(record) {
            self.by_package.entry(key).or_default().push((pos, j));
        }
    }

    fn remove_package_entries(&mut self, pos: usize) {
        let Some(old) = self.records.get(pos) else {
            return;
        };
        let keys: Vec<(Base, String)> = Self::package_keys(old).map(|(k, _)| k).collect();
        for key in keys {
            if let Some(entries) = self.by_package.get_mut(&key) {
                entries.retain(|(r, _)| *r != pos);
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
        let key = (
            ecosystem.base.clone(),
            normalize_name(&ecosystem.base, name),
        );
        self.by_package
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(move |&(r, a)| {
                let record = self.records.get(r)?;
                let entry = record.affected.get(a)?;
                let advisory_eco = entry.ecosystem()?;
                (!record.is_withdrawn() && advisory_eco.covers(ecosystem))
                    .then_some((record, entry))
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
