"""Helpers shared by the report writers: locating code, CVSS 3.1 scores, stable fake ids."""

import hashlib
import json
import math
import struct
import uuid


def h(*parts, n=64):
    """A stable hex string derived from `parts` (used for fake digests, ids, fingerprints)."""
    data = "\x1f".join(str(p) for p in parts).encode()
    out = hashlib.sha512(data).hexdigest()
    while len(out) < n:
        out += hashlib.sha512(out.encode()).hexdigest()
    return out[:n]


def stable_uuid(*parts):
    return str(uuid.UUID(h("uuid", *parts, n=32), version=4))


class Loc:
    """A located piece of text in a file: 1-based lines and columns, end column exclusive."""

    def __init__(self, path, text, start, end):
        self.path = path
        self.text = text
        self.start_offset = start
        self.end_offset = end
        before = text[:start]
        self.line = before.count("\n") + 1
        self.col = start - (before.rfind("\n") + 1) + 1
        upto = text[:end]
        self.end_line = upto.count("\n") + 1
        self.end_col = end - (upto.rfind("\n") + 1) + 1
        self.lines = text.split("\n")

    @property
    def match(self):
        return self.text[self.start_offset : self.end_offset]

    def line_text(self, n=None):
        return self.lines[(n or self.line) - 1]

    def full_lines(self):
        """The whole lines the match spans, joined with newlines (Semgrep's `lines`)."""
        return "\n".join(self.lines[self.line - 1 : self.end_line])

    def context(self, before=2, after=2):
        s = max(1, self.line - before)
        e = min(len(self.lines) - (1 if self.text.endswith("\n") else 0), self.end_line + after)
        return s, e, "\n".join(self.lines[s - 1 : e]) + "\n"


def locate(files, path, anchor, nth=1):
    text = files[path]
    if isinstance(anchor, tuple):
        first, last = anchor
        start = text.find(first)
        end = text.find(last, start)
        if start < 0 or end < 0:
            raise KeyError(f"{anchor!r} not found in {path}")
        return Loc(path, text, start, end + len(last))
    pos = -1
    for _ in range(nth):
        pos = text.find(anchor, pos + 1)
        if pos < 0:
            raise KeyError(f"{anchor!r} (#{nth}) not found in {path}")
    return Loc(path, text, pos, pos + len(anchor))


def line_of(files, path, anchor, nth=1):
    return locate(files, path, anchor, nth).line


# ------------------------------------------------------------------------------ CVSS 3.1

_W = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def _roundup(x):
    i = int(round(x * 100000))
    if i % 10000 == 0:
        return i / 100000.0
    return (math.floor(i / 10000) + 1) / 10.0


def cvss3_score(vector):
    """CVSS v3.0/v3.1 base score of a vector string."""
    m = dict(p.split(":") for p in vector.split("/")[1:])
    scope_changed = m["S"] == "C"
    pr = {"N": 0.85, "L": 0.68 if scope_changed else 0.62, "H": 0.5 if scope_changed else 0.27}[m["PR"]]
    c, i, a = (_W["C"][m[k]] for k in ("C", "I", "A"))
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    if scope_changed:
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    else:
        impact = 6.42 * iss
    expl = 8.22 * _W["AV"][m["AV"]] * _W["AC"][m["AC"]] * pr * _W["UI"][m["UI"]]
    if impact <= 0:
        return 0.0
    if scope_changed:
        return _roundup(min(1.08 * (impact + expl), 10))
    return _roundup(min(impact + expl, 10))


def cvss3_subscores(vector):
    m = dict(p.split(":") for p in vector.split("/")[1:])
    scope_changed = m["S"] == "C"
    pr = {"N": 0.85, "L": 0.68 if scope_changed else 0.62, "H": 0.5 if scope_changed else 0.27}[m["PR"]]
    c, i, a = (_W["C"][m[k]] for k in ("C", "I", "A"))
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if scope_changed else 6.42 * iss
    expl = 8.22 * _W["AV"][m["AV"]] * _W["AC"][m["AC"]] * pr * _W["UI"][m["UI"]]
    return round(expl, 1), round(max(impact, 0), 1)


def severity_of(score):
    if score == 0:
        return "NONE"
    if score < 4.0:
        return "LOW"
    if score < 7.0:
        return "MEDIUM"
    if score < 9.0:
        return "HIGH"
    return "CRITICAL"


# ------------------------------------------------------------------------------ Gitleaks

def shannon_entropy(s):
    counts = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def go_float32(x):
    """The shortest decimal that round-trips through float32, as Go's encoding/json prints it."""
    target = struct.unpack("f", struct.pack("f", x))[0]
    for digits in range(1, 12):
        s = f"{target:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(s)))[0] == target:
            return json.loads(s)
    return target


# ------------------------------------------------------------------------------ JSON output

def dump_json(obj, path, style="go"):
    """Writes JSON the way the producing tool does: `go` = 2-space indent (Trivy),
    `jackson` = `"key" : value` (CodeQL, cyclonedx-maven-plugin), `grype`/`gitleaks` = one
    space indent, `semgrep` = one line."""
    if style == "jackson":
        text = json.dumps(obj, indent=2, separators=(",", " : "), ensure_ascii=False)
    elif style in ("grype", "gitleaks"):
        text = json.dumps(obj, indent=1, ensure_ascii=False)
    elif style == "semgrep":
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(obj, indent=2, ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
