#!/usr/bin/env python3
"""Derives Rampart's CWE -> OWASP Top 10 2021 / OWASP ASVS 4.0 table for compliance reports.

Usage: scripts/gen-compliance-cwe.py [CORPUS_DIR] > crates/rampart-engine/data/compliance/cwe-map.tsv

Sources (read from the corpus, default ../shared/corpus):
- OWASP Top 10 2021: MITRE CWE v4.14 (`intel/cwe/cwec_v4.14.xml`), the `Has_Member` relationships of
  the view-1344 categories "OWASP Top Ten 2021 Category Axx:2021" (CWE-1345 .. CWE-1356).
- ASVS 4.0.1: DefectDojo's fixtures (`intel/mappings/defectdojo-fixtures/`): `benchmark_type.json`
  (the "v. 4.0.1" type), `benchmark_category.json` (chapters), `benchmark_requirement.json`
  (requirement numbers) and `benchmark_requirement_cwe_mapping.json` (requirement -> CWE, the CWE
  resolved through `cwe.json`).
- Inheritance: a CWE mapped by neither source inherits the mappings of its nearest ancestors along
  `ChildOf` in MITRE's research view 1000 (`intel/cwe/1000_research_concepts_view.csv`), so that a
  more specific weakness (CWE-564 SQL injection through Hibernate) lands where its parent (CWE-89)
  does. Inherited rows name the ancestor in the `via` column.

Output, one line per CWE: `cwe<TAB>owasp (A01..A10, comma-separated)<TAB>asvs (requirement
numbers, comma-separated)<TAB>via (the ancestor CWE the row was inherited from, or -)`.
"""
import csv
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
NS = "{http://cwe.mitre.org/cwe-7}"

# OWASP Top 10 2021 from the CWE catalogue.
owasp = {}
root = ET.parse(corpus / "intel/cwe/cwec_v4.14.xml").getroot()
for cat in root.iter(NS + "Category"):
    m = re.match(r"OWASP Top Ten 2021 Category (A\d\d):2021", cat.get("Name", ""))
    if not m:
        continue
    for member in cat.iter(NS + "Has_Member"):
        if member.get("View_ID") == "1344":
            owasp.setdefault(int(member.get("CWE_ID")), set()).add(m.group(1))

# ASVS 4.0.1 from DefectDojo's fixtures.
fx = corpus / "intel/mappings/defectdojo-fixtures"
load = lambda name: json.loads((fx / name).read_text(encoding="utf-8"))
asvs4 = {t["pk"] for t in load("benchmark_type.json") if t["fields"]["version"].strip() == "v. 4.0.1"}
chapters = {c["pk"] for c in load("benchmark_category.json") if c["fields"]["type"] in asvs4}
requirements = {
    r["pk"]: r["fields"]["objective_number"].strip()
    for r in load("benchmark_requirement.json")
    if r["fields"]["category"] in chapters
}
cwe_numbers = {c["pk"]: c["fields"]["number"] for c in load("cwe.json")}
asvs = {}
for m in load("benchmark_requirement_cwe_mapping.json"):
    req = requirements.get(m["fields"]["benchmark_requirement"])
    number = cwe_numbers.get(m["fields"]["cwe"])
    if req and number:
        asvs.setdefault(int(number), set()).add(req)

# ChildOf in view 1000, primary parent first.
csv.field_size_limit(1 << 24)
parents = {}
with (corpus / "intel/cwe/1000_research_concepts_view.csv").open(newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        ps = []
        for m in re.finditer(r"NATURE:ChildOf:CWE ID:(\d+):VIEW ID:1000:ORDINAL:(\w+)", row.get("Related Weaknesses") or ""):
            ps.insert(0, int(m.group(1))) if m.group(2) == "Primary" else ps.append(int(m.group(1)))
        parents[int(row["CWE-ID"])] = list(dict.fromkeys(ps))


def inherited(cwe):
    """The nearest ancestors (breadth-first along ChildOf) that either source maps."""
    seen, frontier = {cwe}, [cwe]
    while frontier:
        found = [p for p in frontier if p != cwe and (p in owasp or p in asvs)]
        if found:
            return found
        nxt = []
        for c in frontier:
            for p in parents.get(c, []):
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        frontier = nxt
    return []


def req_key(r):
    return tuple(int(x) for x in r.split("."))


print("# Derived by scripts/gen-compliance-cwe.py from MITRE CWE v4.14 (view 1344 categories: OWASP Top Ten 2021;")
print("# view 1000 ChildOf for inheritance) and DefectDojo's OWASP ASVS 4.0.1 requirement -> CWE fixtures.")
print("# cwe\towasp\tasvs\tvia")
for cwe in sorted(set(parents) | set(owasp) | set(asvs)):
    if cwe in owasp or cwe in asvs:
        o, a, via = owasp.get(cwe, set()), asvs.get(cwe, set()), "-"
    else:
        ancestors = inherited(cwe)
        if not ancestors:
            continue
        o = set().union(*(owasp.get(p, set()) for p in ancestors))
        a = set().union(*(asvs.get(p, set()) for p in ancestors))
        via = ",".join(str(p) for p in ancestors)
    print(f"{cwe}\t{','.join(sorted(o)) or '-'}\t{','.join(sorted(a, key=req_key)) or '-'}\t{via}")
