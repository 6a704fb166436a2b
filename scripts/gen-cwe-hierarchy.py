#!/usr/bin/env python3
"""Derives Rampart's compact CWE hierarchy table from MITRE's research view (CWE-1000).

Usage: scripts/gen-cwe-hierarchy.py [CORPUS_DIR] > crates/rampart-engine/data/cwe-hierarchy.tsv

Reads `intel/cwe/1000_research_concepts_view.csv` of the corpus (default ../shared/corpus) and
writes one line per weakness: `id<TAB>abstraction<TAB>parents`, where parents are the ids the
weakness is `ChildOf` in view 1000 (comma-separated, primary first). Nothing else of the CSV
(names, descriptions) is kept.
"""
import csv
import re
import sys
from pathlib import Path

corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
src = corpus / "intel/cwe/1000_research_concepts_view.csv"
csv.field_size_limit(1 << 24)
rows = []
with src.open(newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        parents = []
        rel = row.get("Related Weaknesses") or ""
        for m in re.finditer(r"NATURE:ChildOf:CWE ID:(\d+):VIEW ID:1000:ORDINAL:(\w+)", rel):
            pid, ordinal = int(m.group(1)), m.group(2)
            if ordinal == "Primary":
                parents.insert(0, pid)
            else:
                parents.append(pid)
        abstraction = (row.get("Weakness Abstraction") or "").strip().lower() or "-"
        rows.append((int(row["CWE-ID"]), abstraction, parents))
print("# Derived by scripts/gen-cwe-hierarchy.py from MITRE CWE v4.14, view 1000 (ChildOf).")
print("# id\tabstraction\tparents")
for cid, abstraction, parents in sorted(rows):
    print(f"{cid}\t{abstraction}\t{','.join(str(p) for p in dict.fromkeys(parents))}")
