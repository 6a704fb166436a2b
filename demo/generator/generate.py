#!/usr/bin/env python3
"""Regenerates the Northwind Outfitters demo reports in ../reports and ../manifest.json.

Every report is derived from the fictional source files in src_*.py, so line numbers,
snippets, offsets and secrets agree across tools. Run from anywhere: `python3 generate.py`.
The output is deterministic (no clock, no randomness).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import codeql  # noqa: E402
import reports_code  # noqa: E402
import reports_image  # noqa: E402
import reports_infra  # noqa: E402
import reports_sbom  # noqa: E402
import semgrep  # noqa: E402
from util import dump_json, h  # noqa: E402

DEMO = os.path.dirname(HERE)
OUT = os.path.join(DEMO, "reports")

REPO = {
    "storefront-web": "git.northwind.example/storefront/storefront-web",
    "payments-api": "git.northwind.example/payments/payments-api",
    "inventory-service": "git.northwind.example/platform/inventory-service",
    "marketing-site": "git.northwind.example/marketing/marketing-site",
}
IMAGE = reports_image.IMAGE


def commit(app, rnd):
    return h("commit", app, rnd, n=40)


def write(name, obj, style="go"):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(obj, str):
        with open(path, "w", encoding="utf-8") as f:
            f.write(obj)
    else:
        dump_json(obj, path, style)
    return name


def main():
    entries = []

    def ingest(file, app, target, target_kind, tool, tool_version, fmt, days_ago, rnd, env, results, branch="main"):
        entries.append({
            "file": "reports/" + file,
            "app": app,
            "target": target,
            "target_kind": target_kind,
            "branch": branch,
            "commit": commit(app if target_kind != "image" else IMAGE, rnd),
            "env": env,
            "tool": tool,
            "tool_version": tool_version,
            "format": fmt,
            "days_ago": days_ago,
            "expected_results": results,
        })

    # ---- first round (about 30 days ago)
    sf_codeql = reports_code.codeql_storefront()
    ingest(write("storefront-web/codeql.sarif", sf_codeql, "jackson"), "storefront-web", REPO["storefront-web"],
           "repository", "codeql", codeql.CODEQL_VERSION, "sarif", 30, 1, "production", len(sf_codeql["runs"][0]["results"]))
    sf_sem = reports_code.semgrep_storefront()
    ingest(write("storefront-web/semgrep.json", sf_sem, "semgrep"), "storefront-web", REPO["storefront-web"], "repository",
           "semgrep", semgrep.SEMGREP_VERSION, "semgrep", 30, 1, "production", len(sf_sem["results"]))
    sf_leaks = reports_code.gitleaks_storefront()
    ingest(write("storefront-web/gitleaks.json", sf_leaks, "gitleaks"), "storefront-web", REPO["storefront-web"], "repository",
           "gitleaks", "8.21.2", "gitleaks", 30, 1, "production", len(sf_leaks))
    trivy_img = reports_image.trivy_image()
    ingest(write("storefront-web/trivy-image.json", trivy_img), "storefront-web", IMAGE, "image", "trivy",
           reports_image.TRIVY_VERSION, "trivy", 30, 1, "production",
           sum(len(r.get("Vulnerabilities", [])) for r in trivy_img["Results"]))
    grype_img = reports_image.grype_image()
    ingest(write("storefront-web/grype-image.json", grype_img, "grype"), "storefront-web", IMAGE, "image", "grype",
           reports_image.GRYPE_VERSION, "grype", 30, 1, "production", len(grype_img["matches"]))

    pay_codeql = reports_code.codeql_payments()
    ingest(write("payments-api/codeql.sarif", pay_codeql, "jackson"), "payments-api", REPO["payments-api"],
           "repository", "codeql", codeql.CODEQL_VERSION, "sarif", 30, 1, "production", len(pay_codeql["runs"][0]["results"]))
    pay_bom = reports_sbom.cyclonedx_payments()
    ingest(write("payments-api/bom.cdx.json", pay_bom, "jackson"), "payments-api", REPO["payments-api"], "repository",
           "cyclonedx-maven-plugin", "2.9.0", "cyclonedx-json", 30, 1, "production", len(pay_bom["components"]))

    inv_sem = reports_code.semgrep_inventory()
    ingest(write("inventory-service/semgrep.json", inv_sem, "semgrep"), "inventory-service", REPO["inventory-service"],
           "repository", "semgrep", semgrep.SEMGREP_VERSION, "semgrep", 29, 1, "production", len(inv_sem["results"]))
    inv_leaks = reports_code.gitleaks_inventory()
    ingest(write("inventory-service/gitleaks.json", inv_leaks, "gitleaks"), "inventory-service", REPO["inventory-service"],
           "repository", "gitleaks", "8.21.2", "gitleaks", 29, 1, "production", len(inv_leaks))
    inv_trivy = reports_infra.trivy_fs()
    ingest(write("inventory-service/trivy-fs.json", inv_trivy), "inventory-service", REPO["inventory-service"],
           "repository", "trivy", reports_infra.TRIVY_VERSION, "trivy", 29, 1, "production",
           sum(len(r.get("Misconfigurations", [])) + len(r.get("Secrets", [])) for r in inv_trivy["Results"]))

    mk_bom = reports_sbom.cyclonedx_marketing_xml()
    ingest(write("marketing-site/bom.cdx.xml", mk_bom), "marketing-site", REPO["marketing-site"], "repository",
           "cyclonedx-gomod", "v1.4.1", "cyclonedx-xml", 29, 1, "production", mk_bom.count("<component bom-ref=") - 1)

    # ---- rescans (about 7 days ago)
    sf_sem2 = reports_code.semgrep_storefront_rescan()
    ingest(write("storefront-web/semgrep-rescan.json", sf_sem2, "semgrep"), "storefront-web", REPO["storefront-web"],
           "repository", "semgrep", semgrep.SEMGREP_VERSION, "semgrep", 7, 2, "production", len(sf_sem2["results"]))
    sf_leaks2 = reports_code.gitleaks_storefront_rescan()
    ingest(write("storefront-web/gitleaks-rescan.json", sf_leaks2, "gitleaks"), "storefront-web", REPO["storefront-web"],
           "repository", "gitleaks", "8.21.2", "gitleaks", 7, 2, "production", len(sf_leaks2))

    manifest = {
        "company": "Northwind Outfitters",
        "catalog": "catalog.yaml",
        "note": "days_ago is authoritative for the timeline; timestamps inside the reports are the fictional original run times (November 2024).",
        "ingests": entries,
    }
    dump_json(manifest, os.path.join(DEMO, "manifest.json"))
    for e in entries:
        print(f"{e['file']:45} {e['tool']:24} {e['expected_results']:4}  days_ago={e['days_ago']}")


if __name__ == "__main__":
    main()
