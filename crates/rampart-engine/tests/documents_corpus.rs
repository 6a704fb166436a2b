//! The stored document of every observation in the corpus's reports, written in two steps
//! (`Correlator::key_only` on the keying thread, `Unwritten::write` on another), is byte for
//! byte the document earlier versions wrote in one: the observation flattened beside its
//! `correlation` note. Stored content hashes cover these bytes, so a rescan after an upgrade
//! must find its statements unchanged.

use rampart_engine::{CorrelationNote, Correlator, content_hash, note_of};
use rampart_model::Observation;
use serde::Serialize;

/// The document as earlier versions serialized it.
#[derive(Serialize)]
struct Flattened<'a> {
    #[serde(flatten)]
    observation: &'a Observation,
    correlation: &'a CorrelationNote,
}

#[test]
fn documents_written_apart_are_the_documents_written_whole() {
    let mut reports = 0;
    let mut documents = 0;
    for sub in [
        "sarif",
        "trivy-golden",
        "defectdojo",
        "real-scans",
        "scanner-misc",
    ] {
        for path in rampart_formats::corpus::files(sub, &[".json", ".sarif"]) {
            // Files of other formats, and the deliberately broken ones, are not reports.
            let Ok((_, observations)) = rampart_formats::corpus::parse_file(&path, None) else {
                continue;
            };
            reports += 1;
            let mut correlator = Correlator::new("corpus");
            let mut scratch = Vec::new();
            for (i, observation) in observations.into_iter().enumerate() {
                // One in three through `key`, which writes at once, as the SBOM path does; one
                // in three through `write_in`, which leaves the document in the buffer, as the
                // ingest does when it packs documents.
                let keyed = match i % 3 {
                    0 => correlator.key_only(observation).write(&mut scratch),
                    1 => correlator.key(observation),
                    _ => {
                        let (mut keyed, json) =
                            correlator.key_only(observation).write_in(&mut scratch);
                        assert!(keyed.json.is_empty());
                        keyed.json = json.to_owned();
                        keyed
                    }
                };
                let note = note_of(&keyed.json)
                    .unwrap_or_else(|| panic!("{}: no note in {}", path.display(), keyed.json));
                let whole = serde_json::to_string(&Flattened {
                    observation: &keyed.observation,
                    correlation: &note,
                })
                .expect("serialize");
                assert_eq!(keyed.json, whole, "{}", path.display());
                assert_eq!(keyed.hash, content_hash(&keyed.key.hex, &whole));
                documents += 1;
            }
        }
    }
    if rampart_formats::corpus::dir().is_some() {
        assert!(reports > 100, "{reports} reports");
        assert!(documents > 5_000, "{documents} documents");
    }
    eprintln!("{documents} documents of {reports} reports compared");
}
