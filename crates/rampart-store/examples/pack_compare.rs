//! Compares ways of packing observation documents, on the documents of a real store: the
//! built-in LZ4 dictionary (`codec::pack_json`) against zstd dictionaries trained on the first
//! 2,000 documents, `codec::ScanPacker`'s (8 KiB, fastCover with fixed parameters, level 3) and
//! `zstd::dict::from_samples`'s (which searches the parameters). Prints bytes and microseconds
//! per document, and each dictionary's training time.
//!
//! ```text
//! cargo run --release -p rampart-store --example pack_compare -- STORE.db [N]
//! ```
//! `STORE.db`: a SQLite store (e.g. `bench-data/bench.db` after `rampart bench`); `N`: how
//! many of its documents to read (default 200,000).

use rampart_store::codec::{ScanPacker, Unpacker, pack_json};
use std::time::Instant;
use zstd::zstd_safe::{CCtx, CParameter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: pack_compare STORE.db [N]")?;
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200_000);
    let db = rusqlite::Connection::open(path)?;
    let mut unpacker = Unpacker::new();
    for row in db
        .prepare("SELECT scan_id, dictionary FROM scan_dictionaries")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
    {
        let (scan, dictionary) = row?;
        unpacker.add_dictionary(scan, &dictionary)?;
    }
    let mut docs = Vec::with_capacity(n);
    let mut stmt =
        db.prepare("SELECT first_scan_id, data FROM observations ORDER BY id LIMIT ?1")?;
    let mut rows = stmt.query([n as i64])?;
    while let Some(r) = rows.next()? {
        let mut text = String::new();
        unpacker.str_into(r.get(0)?, r.get_ref(1)?.as_blob()?, &mut text)?;
        docs.push(text);
    }
    if docs.len() < 2000 {
        return Err(format!("{} documents: at least 2,000 are needed", docs.len()).into());
    }
    let mean = docs.iter().map(String::len).sum::<usize>() / docs.len();
    println!(
        "{} documents, {mean} bytes of JSON each on average",
        docs.len()
    );
    println!("| packing | bytes per document | µs per document |");
    println!("|---|---|---|");
    let t = Instant::now();
    let size: usize = docs.iter().map(|d| pack_json(d).len()).sum();
    row("LZ4, built-in dictionary", size, t, docs.len());
    let first: Vec<&str> = docs[..2000].iter().map(String::as_str).collect();
    let t = Instant::now();
    let mut packer = ScanPacker::for_samples(&first);
    let trained = t.elapsed().as_secs_f64() * 1e3;
    if packer.dictionary().is_none() {
        return Err("ScanPacker found nothing to train on".into());
    }
    let t = Instant::now();
    let size: usize = docs.iter().map(|d| packer.pack(d).len()).sum();
    let name = format!("ScanPacker: zstd level 3, 8 KiB fastCover dictionary ({trained:.1} ms)");
    row(&name, size, t, docs.len());
    let samples: Vec<&[u8]> = first.iter().map(|d| d.as_bytes()).collect();
    for dict_size in [4096, 8192, 16384] {
        let t = Instant::now();
        let dictionary = zstd::dict::from_samples(&samples, dict_size)?;
        let trained = t.elapsed().as_secs_f64() * 1e3;
        for level in [1, 3] {
            let mut cctx = CCtx::create();
            cctx.set_parameter(CParameter::CompressionLevel(level))
                .map_err(|_| "level")?;
            cctx.set_parameter(CParameter::DictIdFlag(false))
                .map_err(|_| "dict id")?;
            cctx.load_dictionary(&dictionary)
                .map_err(|_| "dictionary")?;
            let mut out = Vec::with_capacity(1 << 16);
            let t = Instant::now();
            let mut size = 0;
            for d in &docs {
                out.clear();
                cctx.compress2(&mut out, d.as_bytes())
                    .map_err(|_| "compress")?;
                size += out.len();
            }
            let name = format!(
                "zstd level {level}, {} KiB from_samples dictionary ({trained:.1} ms)",
                dict_size / 1024
            );
            row(&name, size, t, docs.len());
        }
    }
    Ok(())
}

fn row(name: &str, size: usize, t: Instant, n: usize) {
    let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("| {name} | {} | {us:.2} |", size / n);
}
