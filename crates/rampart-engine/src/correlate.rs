//! Correlation: which issue each observation of a report belongs to.
//!
//! Every observation first gets its own identity key within a target
//! ([`rampart_model::identity_key`]; two observations of one report by one tool with the same
//! basis are told apart by occurrence, in report order: the second gets `#2`). Then it is
//! paired, in passes, with what the application already knows (the *prior* index, loaded once
//! per ingest) and with what this report said before it:
//!
//! 1. **exact key**: its own key was seen before: the issue that observation went to (so a
//!    merge, once made, holds on every rescan, wherever the code moved inside the file);
//! 2. **location and class**: an earlier observation at the same site with a compatible
//!    anchor ([`crate::pairing`]: same weakness class / checked property / secret span /
//!    vulnerability alias, same line or statement span): that observation's issue;
//! 3. otherwise its own key names a new issue.
//!
//! The observation is stored under the issue's key, with a [`CorrelationNote`] in its JSON
//! that says which pass merged it and on what evidence. (A file renamed with its content is
//! the store's pass at the end of the ingest: see [`crate::rename`].)

use crate::pairing::{Anchor, AnchorRef, STATEMENT_LINES, Why, anchor_of, explain, pair_score};
use crate::weakness::weakness_class;
use rampart_model::identity::{identity_key, normalize_url};
use rampart_model::keymap::KeyMap;
use rampart_model::{FindingKind, IdentityKey, KeyedObservation, Location, Observation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use xxhash_rust::xxh3::Xxh3;

/// Why an observation belongs to an issue whose key is not its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// `location` (paired at the same place), `earlier` (its key was merged before) or
    /// `rename` (its file was renamed with the same findings).
    pub pass: String,
    /// The evidence, in words.
    pub evidence: Vec<String>,
}

/// What correlation recorded about an observation; stored in its JSON as `correlation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationNote {
    /// The observation's own identity key (hex).
    pub own_key: String,
    /// What that key was built from, up to its first field (`code`, `secret`, `dep` ...).
    pub basis: String,
    /// What it offers for pairing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// How it joined an issue of another key; `None` when its own key names its issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merge>,
}

/// One earlier observation of the application, as the store hands it back: the key of the
/// issue it belongs to and its correlation note.
#[derive(Debug, Clone)]
pub struct PriorObservation {
    /// The issue's key (hex).
    pub issue_key: String,
    /// The note stored with the observation.
    pub note: CorrelationNote,
}

/// A [`CorrelationNote`] by reference, serialized the same way (so keying allocates no copy
/// of the key, basis and anchor only to write them).
#[derive(Serialize)]
struct NoteRef<'a> {
    own_key: &'a str,
    basis: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor: Option<&'a Anchor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merged: Option<&'a Merge>,
}

/// Who stated an anchor: its kind, tool, rule and class evidence, as indices into [`Names`].
/// Interned, since most reports repeat few of them many times. A dependency scanner's rule is
/// its advisory, so its reports have many; each string is still stored only once.
type Who = [u32; 4];

/// The strings anchors repeat (kinds, tools, rules, class evidence), each stored once.
#[derive(Debug, Default)]
struct Names {
    list: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl Names {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let name: Arc<str> = Arc::from(s);
        let i = self.list.len() as u32;
        self.list.push(name.clone());
        self.index.insert(name, i);
        i
    }

    fn get(&self, i: u32) -> &str {
        &self.list[i as usize]
    }
}

/// An anchor in compact form (40 bytes), in the group of its site and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    who: u32,
    start: Option<u32>,
    end: Option<u32>,
    /// Index into `extras` (columns, secret hash, vulnerability ids), or `u32::MAX`.
    extra: u32,
    /// The issue key as two words (8-byte aligned: a `u128` would pad the slot to 48 bytes).
    issue: [u64; 2],
}

fn split_key(key: u128) -> [u64; 2] {
    [key as u64, (key >> 64) as u64]
}

fn join_key(words: [u64; 2]) -> u128 {
    u128::from(words[0]) | (u128::from(words[1]) << 64)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Extra {
    columns: Option<(u32, u32)>,
    hmac: Option<Box<str>>,
    ids: Vec<String>,
}

#[derive(Default)]
struct Group {
    site: Box<str>,
    class: Box<str>,
    slots: Vec<Slot>,
    /// `(start line, slot index)` of the slots of at most [`STATEMENT_LINES`] lines: 8 bytes
    /// a slot, where a map of lines to vectors of slots took about 70.
    by_start: BTreeSet<(u32, u32)>,
    /// Slots without lines or spanning more lines (blocks): few, always candidates.
    wide: Vec<u32>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Group({}, {}, {} slots)",
            self.site,
            self.class,
            self.slots.len()
        )
    }
}

fn is_wide(start: Option<u32>, end: Option<u32>) -> bool {
    match (start, end) {
        (Some(s), Some(e)) => e.saturating_sub(s) + 1 > STATEMENT_LINES,
        (Some(_), None) => false,
        _ => true,
    }
}

impl Group {
    /// The slots an anchor spanning `start..=end` can pair with: those starting within its
    /// span (or a statement before it), and the wide ones. All of them for a file-level anchor.
    fn candidates(&self, start: Option<u32>, end: Option<u32>) -> Vec<u32> {
        let Some(s) = start else {
            return (0..self.slots.len() as u32).collect();
        };
        let e = end.unwrap_or(s).max(s);
        let mut out: Vec<u32> = self
            .by_start
            .range((s.saturating_sub(STATEMENT_LINES), 0)..=(e, u32::MAX))
            .map(|(_, i)| *i)
            .collect();
        out.extend(self.wide.iter().copied());
        out
    }

    fn push(&mut self, slot: Slot) {
        let dup = match (slot.extra, slot.start) {
            (u32::MAX, Some(start)) if !is_wide(slot.start, slot.end) => self
                .by_start
                .range((start, 0)..=(start, u32::MAX))
                .any(|(_, i)| {
                    let s = &self.slots[*i as usize];
                    s.who == slot.who && s.end == slot.end && s.issue == slot.issue
                }),
            _ => false,
        };
        if dup {
            return;
        }
        let i = self.slots.len() as u32;
        match slot.start {
            Some(start) if !is_wide(slot.start, slot.end) => {
                self.by_start.insert((start, i));
            }
            _ => self.wide.push(i),
        }
        self.slots.push(slot);
    }
}

/// Assigns issue keys to the observations of one report, in report order.
///
/// Memory per observation is a few fixed-size entries (its occurrence count, its own key, a
/// 40-byte anchor and its 8-byte line entry in the group of its site and class): about 120
/// bytes, so a million-result report stays small. Strings are kept once per site and class
/// and once per distinct kind, tool, rule or class evidence, never per observation (except a
/// dependency's vulnerability ids).
#[derive(Debug, Default)]
pub struct Correlator {
    target: String,
    /// Occurrences per (tool, basis), keyed by a 128-bit hash of both as two words (8-byte
    /// aligned, so an entry takes 24 bytes, not 32): a million-result report keeps no strings.
    /// Per-finding maps are [`KeyMap`]s, whose tables double one at a time.
    seen: KeyMap<u32, [u64; 2]>,
    /// Own keys that name their own issue (most of them: 16 bytes each) ...
    own: KeyMap<()>,
    /// ... and own key → issue key for the others.
    own_moved: KeyMap<u128>,
    /// Own key → how it was merged (only for merged observations).
    merges: HashMap<u128, Merge>,
    /// Hash of (site, class) → index of the group of the anchors there, in `group_list`
    /// (a table of small entries grows faster than one of groups).
    groups: HashMap<u64, u32>,
    group_list: Vec<Group>,
    names: Names,
    whos: Vec<Who>,
    who_index: HashMap<Who, u32>,
    /// The `whos` index interned last.
    last_who: Option<u32>,
    extras: Vec<Extra>,
    /// The JSON of the observation being keyed, reused from one to the next.
    scratch: Vec<u8>,
}

fn key_number(hex: &str) -> Option<u128> {
    u128::from_str_radix(hex, 16).ok()
}

fn key_hex(n: u128) -> String {
    format!("{n:032x}")
}

/// 64-bit XXH3 over a site and a class (an in-memory map key only; equal hashes are checked
/// against the group's own site and class).
fn group_hash(site: &str, class: &str) -> u64 {
    let mut h = Xxh3::new();
    h.update(site.as_bytes());
    h.update(&[0]);
    h.update(class.as_bytes());
    h.digest()
}

impl Correlator {
    /// A correlator for one report on `target` of an application that knows nothing yet.
    pub fn new(target: impl Into<String>) -> Self {
        Correlator {
            target: target.into(),
            ..Default::default()
        }
    }

    /// A correlator for one report on `target`, pairing with the application's earlier
    /// observations.
    pub fn with_prior(target: impl Into<String>, prior: Vec<PriorObservation>) -> Self {
        let mut c = Correlator::new(target);
        for p in prior {
            c.add_prior(&p.issue_key, p.note);
        }
        c
    }

    /// Adds one earlier observation of the application (its issue's key and its note).
    pub fn add_prior(&mut self, issue_key: &str, note: CorrelationNote) {
        let (Some(own), Some(issue)) = (key_number(&note.own_key), key_number(issue_key)) else {
            return;
        };
        self.remember(own, issue, note.merged, note.anchor);
    }

    fn remember(&mut self, own: u128, issue: u128, merged: Option<Merge>, anchor: Option<Anchor>) {
        if let Some(a) = anchor {
            let who = self.intern_who(&a);
            let extra = if a.columns.is_some() || a.hmac.is_some() || !a.ids.is_empty() {
                self.extras.push(Extra {
                    columns: a.columns,
                    hmac: a.hmac.map(Into::into),
                    ids: a.ids,
                });
                (self.extras.len() - 1) as u32
            } else {
                u32::MAX
            };
            let slot = Slot {
                who,
                start: a.start,
                end: a.end,
                extra,
                issue: split_key(issue),
            };
            let list = &mut self.group_list;
            let at = *self
                .groups
                .entry(group_hash(&a.site, &a.class))
                .or_insert_with(|| {
                    list.push(Group {
                        site: a.site.as_str().into(),
                        class: a.class.as_str().into(),
                        ..Default::default()
                    });
                    (list.len() - 1) as u32
                });
            let group = &mut list[at as usize];
            if *group.site == *a.site && *group.class == *a.class {
                group.push(slot);
            }
        }
        if let Some(m) = merged {
            self.merges.entry(own).or_insert(m);
        }
        if !self.own.contains_key(&own) && !self.own_moved.contains_key(&own) {
            if issue == own {
                self.own.insert(own, ());
            } else {
                self.own_moved.insert(own, issue);
            }
        }
    }

    /// The index of the (kind, tool, rule, class evidence) of `a` in `whos`. A report states
    /// one of them many times in a row, so the last one is checked first, field by field:
    /// fields it shares (the kind and tool, and often all four) are not looked up again. A
    /// dependency finding's rule is its vulnerability id, new at almost every finding.
    fn intern_who(&mut self, a: &Anchor) -> u32 {
        let fields = [&a.kind, &a.tool, &a.rule, &a.class_evidence];
        let last = self.last_who.map(|i| self.whos[i as usize]);
        let mut who: Who = [0; 4];
        let mut same = last.is_some();
        for (at, field) in fields.iter().enumerate() {
            match last {
                Some(l) if self.names.get(l[at]) == field.as_str() => who[at] = l[at],
                _ => {
                    same = false;
                    who[at] = self.names.intern(field);
                }
            }
        }
        if same && let Some(i) = self.last_who {
            return i;
        }
        let i = match self.who_index.get(&who) {
            Some(i) => *i,
            None => {
                let i = self.whos.len() as u32;
                self.whos.push(who);
                self.who_index.insert(who, i);
                i
            }
        };
        self.last_who = Some(i);
        i
    }

    /// The best earlier anchor `anchor` pairs with: its issue key and the evidence.
    fn pair(&self, anchor: &Anchor) -> Option<(u128, Vec<String>)> {
        let group =
            &self.group_list[*self.groups.get(&group_hash(&anchor.site, &anchor.class))? as usize];
        if *group.site != *anchor.site || *group.class != *anchor.class {
            return None;
        }
        let new = anchor.as_ref();
        let view = |s: &Slot| {
            let [kind, tool, rule, class_evidence] = self.whos[s.who as usize];
            let extra = self.extras.get(s.extra as usize);
            AnchorRef {
                kind: self.names.get(kind),
                site: &group.site,
                class: &group.class,
                class_evidence: self.names.get(class_evidence),
                ids: extra.map(|e| e.ids.as_slice()).unwrap_or(&[]),
                start: s.start,
                end: s.end,
                columns: extra.and_then(|e| e.columns),
                hmac: extra.and_then(|e| e.hmac.as_deref()),
                tool: self.names.get(tool),
                rule: self.names.get(rule),
            }
        };
        let mut best: Option<(u32, &Slot, Why)> = None;
        for i in group.candidates(anchor.start, anchor.end) {
            let slot = &group.slots[i as usize];
            if let Some((score, why)) = pair_score(&new, &view(slot))
                && best.as_ref().is_none_or(|(s, _, _)| score < *s)
            {
                best = Some((score, slot, why));
            }
        }
        best.map(|(_, slot, why)| (join_key(slot.issue), explain(&new, &view(slot), why)))
    }

    /// Keys, notes, hashes and serializes one observation: [`Correlator::key_only`], then
    /// [`Unwritten::write`].
    pub fn key(&mut self, observation: impl Into<Box<Observation>>) -> KeyedObservation {
        let unwritten = self.key_only(observation);
        unwritten.write(&mut self.scratch)
    }

    /// Keys and notes one observation, leaving its document to be written by
    /// [`Unwritten::write`]. This is the part that depends on the observations keyed before
    /// it; the document (most of the work left) can be written on another thread, in any
    /// order.
    pub fn key_only(&mut self, observation: impl Into<Box<Observation>>) -> Unwritten {
        let observation = observation.into();
        let base = match (&observation.kind, &observation.location) {
            // Web findings: the weakness class rather than the tool's CWE, so that scanners
            // that name one weakness by neighbouring CWEs (79 / 80) agree.
            (FindingKind::Web, Location::Web(w)) => IdentityKey::from_basis(format!(
                "web|{}|{}|{}|{}|{}",
                self.target,
                w.method.as_deref().unwrap_or("GET").to_ascii_uppercase(),
                normalize_url(&w.url),
                w.parameter.as_deref().unwrap_or(""),
                weakness_class(&observation).name
            )),
            _ => identity_key(&self.target, &observation),
        };
        let n = self
            .seen
            .get_or_insert_with(occurrence_key(&observation.tool.name, &base.hex), || 0);
        *n += 1;
        let own = base.into_occurrence(*n);
        let own_n = key_number(&own.hex).unwrap_or_default();
        let anchor = anchor_of(&observation);
        let known = match self.own_moved.get(&own_n) {
            Some(issue) => Some(*issue),
            None => self.own.contains_key(&own_n).then_some(own_n),
        };
        let (issue, merged) = match known {
            Some(issue) => (issue, self.merges.get(&own_n).cloned()),
            None => match anchor.as_ref().and_then(|a| self.pair(a)) {
                Some((issue, evidence)) => (
                    issue,
                    Some(Merge {
                        pass: "location".into(),
                        evidence,
                    }),
                ),
                None => (own_n, None),
            },
        };
        let merged = merged.filter(|_| issue != own_n);
        let note = NoteRef {
            own_key: &own.hex,
            basis: own.basis.split('|').next().unwrap_or(""),
            anchor: anchor.as_ref(),
            merged: merged.as_ref(),
        };
        // Into a buffer kept from one observation to the next, then copied once at its size.
        self.scratch.clear();
        let note = match serde_json::to_writer(&mut self.scratch, &note) {
            Ok(()) => String::from_utf8(self.scratch.clone()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        self.remember(own_n, issue, merged, anchor);
        let hex = if issue == own_n {
            own.hex
        } else {
            key_hex(issue)
        };
        let key = IdentityKey {
            basis: own.basis,
            hex,
        };
        Unwritten {
            keyed: KeyedObservation {
                observation,
                hash: 0,
                key,
                json: String::new(),
                risk: 0,
                sla_due: None,
                stored: Vec::new(),
            },
            note,
        }
    }
}

/// A keyed observation whose document is not written yet ([`Correlator::key_only`]): its
/// correlation note waits beside it, serialized.
#[derive(Debug)]
pub struct Unwritten {
    /// The keyed observation, without its document (`json` empty) and content hash.
    pub keyed: KeyedObservation,
    /// The correlation note as JSON.
    note: String,
}

impl Unwritten {
    /// Writes the document (the observation's fields, then `correlation`: the note) and the
    /// content hash. `scratch` is a buffer kept from one call to the next: a document is
    /// serialized into it and copied once at its size (serializing into a new string grows
    /// it three or four times for a typical finding).
    pub fn write(self, scratch: &mut Vec<u8>) -> KeyedObservation {
        let (mut keyed, json) = self.write_in(scratch);
        keyed.json = json.to_owned();
        keyed
    }

    /// [`write`](Self::write), leaving the document in `scratch` (returned) and `json` empty:
    /// for a caller that stores the document in another form ([`KeyedObservation::stored`])
    /// and needs no copy of it.
    pub fn write_in(self, scratch: &mut Vec<u8>) -> (KeyedObservation, &str) {
        let Unwritten { mut keyed, note } = self;
        scratch.clear();
        let spliced = match serde_json::to_writer(&mut *scratch, &keyed.observation) {
            // An observation is a JSON object: its closing brace gives way to the note.
            Ok(()) if scratch.last() == Some(&b'}') && !note.is_empty() => {
                scratch.pop();
                if scratch.len() > 1 {
                    scratch.push(b',');
                }
                scratch.extend_from_slice(b"\"correlation\":");
                scratch.extend_from_slice(note.as_bytes());
                scratch.push(b'}');
                true
            }
            _ => false,
        };
        if !spliced {
            scratch.clear();
            scratch.extend_from_slice(b"{}");
        }
        // serde_json writes UTF-8, and the note is a string: this check cannot fail.
        let json = std::str::from_utf8(scratch).unwrap_or("{}");
        keyed.hash = content_hash(&keyed.key.hex, json);
        (keyed, json)
    }
}

/// Reads the correlation note out of a stored observation's JSON, if it has one.
pub fn note_of(json: &str) -> Option<CorrelationNote> {
    #[derive(Deserialize)]
    struct Only {
        correlation: Option<CorrelationNote>,
    }
    serde_json::from_str::<Only>(json).ok()?.correlation
}

/// The content hash of a keyed observation: 64-bit XXH3 over the key and the serialized
/// observation. It only tells "the same statement again" from "a different one" within one
/// stream (no adversary gains from a collision: the worst case is a statement treated as
/// unchanged), so a fast non-cryptographic hash does; XXH3 is specified and stable across
/// versions, so stored hashes stay comparable.
pub fn content_hash(key_hex: &str, json: &str) -> i64 {
    let mut h = Xxh3::new();
    h.update(key_hex.as_bytes());
    h.update(json.as_bytes());
    h.digest() as i64
}

/// 128-bit XXH3 over the tool name and the basis hash (an in-memory counter key only).
fn occurrence_key(tool: &str, hex: &str) -> [u64; 2] {
    let mut h = Xxh3::new();
    h.update(tool.as_bytes());
    h.update(&[0]);
    h.update(hex.as_bytes());
    let h = h.digest128();
    [h as u64, (h >> 64) as u64]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::{CodeLocation, WebLocation};

    #[test]
    fn web_findings_meet_by_weakness_class_and_normalized_url() {
        let web = |tool: &str, url: &str, cwe: u32| {
            let mut o = Observation::new(
                tool,
                FindingKind::Web,
                "x",
                "t",
                Location::Web(WebLocation {
                    url: url.into(),
                    method: Some("get".into()),
                    parameter: Some("q".into()),
                }),
            );
            o.cwes = vec![cwe];
            o
        };
        let mut c = Correlator::new("site");
        let zap = c.key(web("zap", "HTTP://Shop.example:80/items/17?q=1&b=2", 79));
        let burp = c.key(web("burp", "http://shop.example/items/99?b=&q=x", 80));
        let sqli = c.key(web("burp", "http://shop.example/items/99?b=&q=x", 89));
        assert_eq!(zap.key.hex, burp.key.hex);
        assert_ne!(zap.key.hex, sqli.key.hex);
    }

    fn obs(tool: &str, rule: &str, line: u32) -> Observation {
        Observation::new(
            tool,
            FindingKind::Code,
            rule,
            "t",
            Location::Code(CodeLocation {
                path: "a.py".into(),
                start_line: Some(line),
                ..Default::default()
            }),
        )
    }

    #[test]
    fn occurrences_in_report_order() {
        let mut c = Correlator::new("repo");
        let a = c.key(obs("semgrep", "r1", 10));
        let b = c.key(obs("semgrep", "r1", 20));
        assert_ne!(a.key, b.key);
        // A rescan with both moved by 5 lines keeps both keys; the content hash changes.
        let mut c2 = Correlator::new("repo");
        let a2 = c2.key(obs("semgrep", "r1", 15));
        let b2 = c2.key(obs("semgrep", "r1", 25));
        assert_eq!((a.key.clone(), b.key.clone()), (a2.key, b2.key));
        assert_ne!(a.hash, a2.hash);
        // Occurrences are counted per tool.
        let mut c3 = Correlator::new("repo");
        c3.key(obs("bandit", "r1", 1));
        assert_eq!(c3.key(obs("semgrep", "r1", 1)).key, a.key);
    }

    #[test]
    fn the_stored_note_reads_back_whole() {
        let mut c = Correlator::new("repo");
        let b = c.key(obs("bandit", "B608", 19));
        let s = c.key(obs("semgrep", "formatted-sql-query", 19));
        let stored: serde_json::Value = serde_json::from_str(&s.json).unwrap();
        let note = note_of(&s.json).unwrap();
        // Written by reference, read back by value: the same object.
        assert_eq!(stored["correlation"], serde_json::to_value(&note).unwrap());
        assert_eq!(stored["rule_id"], "formatted-sql-query");
        // Merged into bandit's issue: its own key stays in the note.
        assert_eq!(s.key.hex, b.key.hex);
        assert_ne!(note.own_key, s.key.hex);
        assert_eq!(note.own_key.len(), 32);
        assert_eq!(note.basis, "code");
        let anchor = note.anchor.unwrap();
        assert_eq!((anchor.site.as_str(), anchor.start), ("a.py", Some(19)));
        assert_eq!(note.merged.unwrap().pass, "location");
        let own = note_of(&b.json).unwrap();
        assert_eq!(own.own_key, b.key.hex);
        assert!(own.merged.is_none());
    }

    #[test]
    fn cross_tool_merge_holds_after_a_line_shift() {
        let mut c = Correlator::new("repo");
        let b = c.key(obs("bandit", "B608", 19));
        let s = c.key(obs("semgrep", "formatted-sql-query", 19));
        let other = c.key(obs("semgrep", "request-with-http", 19));
        assert_eq!(b.key.hex, s.key.hex);
        assert_ne!(b.key.hex, other.key.hex);
        let note = note_of(&s.json).unwrap();
        assert_eq!(note.merged.as_ref().unwrap().pass, "location");
        assert!(note_of(&b.json).unwrap().merged.is_none());
        // A rescan by semgrep alone, 7 lines further down: its own key finds the merge.
        let prior = [&b, &s, &other]
            .iter()
            .map(|k| PriorObservation {
                issue_key: k.key.hex.clone(),
                note: note_of(&k.json).unwrap(),
            })
            .collect();
        let mut c2 = Correlator::with_prior("repo", prior);
        let s2 = c2.key(obs("semgrep", "formatted-sql-query", 26));
        assert_eq!(s2.key.hex, b.key.hex);
    }
}
