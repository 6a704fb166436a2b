"""Trivy and Grype reports of the storefront-web container image."""

import base64
import json

from util import cvss3_score, cvss3_subscores, h, severity_of
from vulndata import DEB, GRYPE_ONLY, NODE_ADVISORY, NODE_BINARY, NPM, NPM_VULNS, OS_VULNS

IMAGE = "registry.northwind.example/storefront-web:2.14.0"
REPO = "registry.northwind.example/storefront-web"
SCANNED_AT_TRIVY = "2024-11-04T09:14:52.418233161Z"
SCANNED_AT_GRYPE = "2024-11-04T09:16:07.902517334Z"
TRIVY_VERSION = "0.57.0"
GRYPE_VERSION = "0.83.0"

# Image layers: (created_by, compressed size, uncompressed size)
LAYERS = [
    ("/bin/sh -c #(nop) ADD file:7d5ee5f0b5fd4b0a4e6a8e1c1bd8f3c3f0a1c2f1cbd9a1c2a8f1b6b2e2b0c1d9 in / ", 29124569, 74820608),
    ("RUN /bin/sh -c groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" ... # buildkit", 45120473, 181944320),
    ("RUN /bin/sh -c set -ex && savedAptMark=\"$(apt-mark showmanual)\" ... yarn --version # buildkit", 1249088, 5244928),
    ("RUN /bin/sh -c apt-get update  && apt-get install -y --no-install-recommends curl ca-certificates  && rm -rf /var/lib/apt/lists/* # buildkit", 4915224, 12460544),
    ("COPY /app/node_modules ./node_modules # buildkit", 38660119, 142938112),
    ("COPY /app/dist ./dist # buildkit", 1102884, 4212736),
    ("COPY /app/templates ./templates # buildkit", 10472, 61440),
    ("COPY package.json ./ # buildkit", 1133, 4096),
]
NODE_MODULES_LAYER = 4
NODE_RUNTIME_LAYER = 1


def _digest(i):
    return "sha256:" + h("layer-digest", i)


def _diff_id(i):
    return "sha256:" + h("layer-diffid", i)


IMAGE_ID = "sha256:" + h("image-config", IMAGE)
MANIFEST_DIGEST = "sha256:" + h("image-manifest", IMAGE)


def _sev_num(s):
    return {"UNKNOWN": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}[s]


def _deb_purl(name, version, distro):
    epoch = None
    if ":" in version:
        epoch, version = version.split(":", 1)
    v = version.replace("+", "%2B")
    q = f"arch=amd64&distro={distro}"
    if epoch:
        q += f"&epoch={epoch}"
    return f"pkg:deb/debian/{name}@{v}?{q}"


def _grype_deb_purl(name, version, source, source_version):
    epoch = None
    if ":" in version:
        epoch, version = version.split(":", 1)
    v = version.replace("+", "%2B")
    q = "arch=amd64&distro=debian-12"
    if epoch:
        q += f"&epoch={epoch}"
    if source != name:
        up = source if not source_version else f"{source}%40{source_version.split(':')[-1].replace('+', '%2B')}"
        q += f"&upstream={up}"
    elif source_version:
        q += f"&upstream={source}%40{source_version.split(':')[-1].replace('+', '%2B')}"
    return f"pkg:deb/debian/{name}@{v}?{q}"


def _refs_cve(vid, extra=()):
    refs = [f"https://access.redhat.com/security/cve/{vid}", f"https://nvd.nist.gov/vuln/detail/{vid}",
            f"https://security-tracker.debian.org/tracker/{vid}", f"https://www.cve.org/CVERecord?id={vid}"]
    refs.extend(extra)
    return sorted(set(refs))


def _image_config():
    history = [{"created": "2024-01-11T02:46:31.127836591Z", "created_by": LAYERS[0][0]},
               {"created": "2024-01-11T02:46:31.546711202Z", "created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": True},
               {"created": "2024-01-16T19:24:09Z", "created_by": "ENV NODE_VERSION=20.11.0", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
               {"created": "2024-01-16T19:24:09Z", "created_by": LAYERS[1][0], "comment": "buildkit.dockerfile.v0"},
               {"created": "2024-01-16T19:24:09Z", "created_by": "ENV YARN_VERSION=1.22.19", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
               {"created": "2024-01-16T19:24:09Z", "created_by": LAYERS[2][0], "comment": "buildkit.dockerfile.v0"},
               {"created": "2024-02-02T14:03:11.301Z", "created_by": LAYERS[3][0], "comment": "buildkit.dockerfile.v0"},
               {"created": "2024-02-02T14:03:11.412Z", "created_by": "WORKDIR /app", "comment": "buildkit.dockerfile.v0"},
               {"created": "2024-02-02T14:03:11.412Z", "created_by": "ENV NODE_ENV=production", "comment": "buildkit.dockerfile.v0", "empty_layer": True}]
    for i in range(4, len(LAYERS)):
        history.append({"created": "2024-02-02T14:03:19.87Z", "created_by": LAYERS[i][0], "comment": "buildkit.dockerfile.v0"})
    history.append({"created": "2024-02-02T14:03:19.87Z", "created_by": "EXPOSE map[8080/tcp:{}]", "comment": "buildkit.dockerfile.v0", "empty_layer": True})
    history.append({"created": "2024-02-02T14:03:19.87Z", "created_by": "CMD [\"node\" \"dist/server.js\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": True})
    return {
        "architecture": "amd64",
        "created": "2024-02-02T14:03:19.87Z",
        "history": history,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [_diff_id(i) for i in range(len(LAYERS))]},
        "config": {
            "Cmd": ["node", "dist/server.js"],
            "Entrypoint": ["docker-entrypoint.sh"],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_VERSION=20.11.0",
                    "YARN_VERSION=1.22.19", "NODE_ENV=production"],
            "WorkingDir": "/app",
            "ExposedPorts": {"8080/tcp": {}},
            "Healthcheck": {"Test": ["CMD-SHELL", "curl -fsS http://localhost:8080/healthz || exit 1"],
                            "Interval": 30000000000, "Timeout": 3000000000},
            "Labels": {"org.opencontainers.image.source": "https://git.northwind.example/storefront/storefront-web",
                       "org.opencontainers.image.revision": "7c1e4a9b2d3f5e6a7b8c9d0e1f2a3b4c5d6e7f80",
                       "org.opencontainers.image.version": "2.14.0"},
        },
    }


# ------------------------------------------------------------------------------ Trivy

def _trivy_os_vuln(vid, pkg, fixed, status, sev, source, v3, v2, cwes, title, desc, pub, mod):
    version, src, _src_ver, layer, _lic = DEB[pkg]
    v = {
        "VulnerabilityID": vid,
        "PkgID": f"{pkg}@{version}",
        "PkgName": pkg,
        "PkgIdentifier": {"PURL": _deb_purl(pkg, version, "debian-12.4"), "UID": h("trivy-uid", pkg, version, n=16)},
        "InstalledVersion": version,
    }
    if fixed:
        v["FixedVersion"] = fixed
    v["Status"] = status
    v["Layer"] = {"Digest": _digest(layer), "DiffID": _diff_id(layer)}
    if vid.startswith("TEMP-"):
        v.update({
            "SeveritySource": "debian",
            "PrimaryURL": f"https://security-tracker.debian.org/tracker/{vid}",
            "DataSource": {"ID": "debian", "Name": "Debian Security Tracker",
                           "URL": "https://salsa.debian.org/security-tracker-team/security-tracker"},
            "Title": title,
            "Severity": sev,
            "VendorSeverity": {"debian": 1},
        })
        return v
    v.update({
        "SeveritySource": source,
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{vid.lower()}",
        "DataSource": {"ID": "debian", "Name": "Debian Security Tracker",
                       "URL": "https://salsa.debian.org/security-tracker-team/security-tracker"},
        "Title": title,
        "Description": desc,
        "Severity": sev,
    })
    if cwes:
        v["CweIDs"] = cwes
    vendor = {}
    if source == "debian":
        vendor["debian"] = _sev_num(sev)
    cvss = {}
    if v3 or v2:
        nvd = {}
        if v2:
            nvd["V2Vector"] = v2[0]
        if v3:
            nvd["V3Vector"] = v3
        if v2:
            nvd["V2Score"] = v2[1]
        if v3:
            nvd["V3Score"] = cvss3_score(v3)
        cvss["nvd"] = nvd
        vendor["nvd"] = _sev_num(severity_of(cvss3_score(v3)) if v3 else ("HIGH" if v2[1] >= 7 else "MEDIUM" if v2[1] >= 4 else "LOW"))
    if v3:
        vendor["redhat"] = _sev_num(sev) if source == "redhat" else max(1, _sev_num(severity_of(cvss3_score(v3))) - (1 if source == "debian" else 0))
        cvss["redhat"] = {"V3Vector": v3.replace("CVSS:3.0", "CVSS:3.1"), "V3Score": cvss3_score(v3)}
    v["VendorSeverity"] = dict(sorted(vendor.items()))
    v["CVSS"] = cvss
    v["References"] = _refs_cve(vid)
    v["PublishedDate"] = pub
    v["LastModifiedDate"] = mod
    return v


def _trivy_npm_vuln(cve, ghsa, pkg, fixed, sev, gvec, nvec, cwes, title, desc, pub, mod):
    version, _lic = NPM[pkg]
    return {
        "VulnerabilityID": cve,
        "PkgID": f"{pkg}@{version}",
        "PkgName": pkg,
        "PkgPath": f"app/node_modules/{pkg}/package.json",
        "PkgIdentifier": {"PURL": f"pkg:npm/{pkg}@{version}", "UID": h("trivy-uid", pkg, version, n=16)},
        "InstalledVersion": version,
        "FixedVersion": fixed,
        "Status": "fixed",
        "Layer": {"Digest": _digest(NODE_MODULES_LAYER), "DiffID": _diff_id(NODE_MODULES_LAYER)},
        "SeveritySource": "ghsa",
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{cve.lower()}",
        "DataSource": {"ID": "ghsa", "Name": "GitHub Security Advisory npm",
                       "URL": "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Anpm"},
        "Title": title,
        "Description": desc,
        "Severity": sev,
        "CweIDs": cwes,
        "VendorSeverity": {"ghsa": _sev_num(sev), "nvd": _sev_num(severity_of(cvss3_score(nvec)))},
        "CVSS": {"ghsa": {"V3Vector": gvec, "V3Score": cvss3_score(gvec)},
                 "nvd": {"V3Vector": nvec, "V3Score": cvss3_score(nvec)}},
        "References": sorted({f"https://github.com/advisories/{ghsa}", f"https://nvd.nist.gov/vuln/detail/{cve}",
                              f"https://www.cve.org/CVERecord?id={cve}", f"https://access.redhat.com/security/cve/{cve}"}),
        "PublishedDate": pub,
        "LastModifiedDate": mod,
    }


def trivy_image():
    os_vulns = []
    for (vid, pkgs, fixed, status, sev, source, _gsev, _gstate, v3, v2, cwes, title, desc, pub, mod) in OS_VULNS:
        for pkg in pkgs:
            os_vulns.append(_trivy_os_vuln(vid, pkg, fixed, status, sev, source, v3, v2, cwes, title, desc, pub, mod))
    os_vulns.sort(key=lambda v: (v["PkgName"], v["VulnerabilityID"]))
    npm_vulns = [_trivy_npm_vuln(*rec) for rec in NPM_VULNS]
    npm_vulns.sort(key=lambda v: (v["PkgName"], v["VulnerabilityID"]))
    return {
        "SchemaVersion": 2,
        "CreatedAt": SCANNED_AT_TRIVY,
        "ArtifactName": IMAGE,
        "ArtifactType": "container_image",
        "Metadata": {
            "Size": sum(l[2] for l in LAYERS),
            "OS": {"Family": "debian", "Name": "12.4"},
            "ImageID": IMAGE_ID,
            "DiffIDs": [_diff_id(i) for i in range(len(LAYERS))],
            "RepoTags": [IMAGE],
            "RepoDigests": [f"{REPO}@{MANIFEST_DIGEST}"],
            "ImageConfig": _image_config(),
        },
        "Results": [
            {"Target": f"{IMAGE} (debian 12.4)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": os_vulns},
            {"Target": "Node.js", "Class": "lang-pkgs", "Type": "node-pkg", "Vulnerabilities": npm_vulns},
        ],
    }


# ------------------------------------------------------------------------------ Grype

def _grype_cvss_nvd(v3, v2):
    out = []
    if v2:
        out.append({"source": "nvd@nist.gov", "type": "Primary", "version": "2.0", "vector": v2[0],
                    "metrics": {"baseScore": v2[1], "exploitabilityScore": 10, "impactScore": 2.9 if v2[1] < 5 else 6.4},
                    "vendorMetadata": {}})
    if v3:
        e, i = cvss3_subscores(v3)
        out.append({"source": "nvd@nist.gov", "type": "Primary", "version": v3.split("/")[0].split(":")[1], "vector": v3,
                    "metrics": {"baseScore": cvss3_score(v3), "exploitabilityScore": e, "impactScore": i},
                    "vendorMetadata": {}})
    return out


def _grype_nvd_related(vid, v3, v2, desc):
    sev = severity_of(cvss3_score(v3)) if v3 else ("HIGH" if v2 and v2[1] >= 7 else "MEDIUM" if v2 and v2[1] >= 4 else "LOW")
    return {
        "id": vid,
        "dataSource": f"https://nvd.nist.gov/vuln/detail/{vid}",
        "namespace": "nvd:cpe",
        "severity": sev.capitalize(),
        "urls": [f"https://www.cve.org/CVERecord?id={vid}", f"https://access.redhat.com/security/cve/{vid}"],
        "description": desc,
        "cvss": _grype_cvss_nvd(v3, v2),
    }


def _grype_artifact_deb(pkg):
    version, src, src_ver, layer, lic = DEB[pkg]
    ver_no_epoch = version.split(":")[-1]
    cpe_ver = ver_no_epoch.replace("~", "\\~").replace("+", "\\+")
    return {
        "id": h("grype-artifact", pkg, version, n=16),
        "name": pkg,
        "version": version,
        "type": "deb",
        "locations": [
            {"path": f"/usr/share/doc/{pkg}/copyright", "layerID": _diff_id(layer),
             "accessPath": f"/usr/share/doc/{pkg}/copyright", "annotations": {"evidence": "supporting"}},
            {"path": "/var/lib/dpkg/status", "layerID": _diff_id(layer), "accessPath": "/var/lib/dpkg/status",
             "annotations": {"evidence": "primary"}},
        ],
        "language": "",
        "licenses": lic,
        "cpes": [f"cpe:2.3:a:{pkg.replace('-', '_')}:{pkg.replace('-', '_')}:{cpe_ver}:*:*:*:*:*:*:*"],
        "purl": _grype_deb_purl(pkg, version, src, src_ver),
        "upstreams": [{"name": src, **({"version": src_ver.split(':')[-1]} if src_ver else {})}] if (src != pkg or src_ver) else [],
    }


def _grype_os_match(vid, pkg, fixed, gsev, gstate, v3, v2, desc):
    version, src, src_ver, _layer, _lic = DEB[pkg]
    direct = src == pkg and not src_ver
    search_version = (src_ver or version)
    return {
        "vulnerability": {
            "id": vid,
            "dataSource": f"https://security-tracker.debian.org/tracker/{vid}",
            "namespace": "debian:distro:debian:12",
            "severity": gsev,
            "urls": [],
            "cvss": [],
            "fix": {"versions": [fixed] if fixed else [], "state": gstate},
            "advisories": [],
        },
        "relatedVulnerabilities": [_grype_nvd_related(vid, v3, v2, desc)],
        "matchDetails": [{
            "type": "exact-direct-match" if direct else "exact-indirect-match",
            "matcher": "dpkg-matcher",
            "searchedBy": {
                "distro": {"type": "debian", "version": "12"},
                "namespace": "debian:distro:debian:12",
                "package": {"name": src, "version": search_version},
            },
            "found": {"vulnerabilityID": vid,
                      "versionConstraint": f"< {fixed} (deb)" if fixed else "none (deb)"},
        }],
        "artifact": _grype_artifact_deb(pkg),
    }


def _pick_fix(fixed, installed):
    options = [f.strip() for f in fixed.split(",")]
    major = installed.split(".")[0]
    for o in options:
        if o.split(".")[0] == major:
            return o
    return options[0]


def _grype_npm_match(cve, ghsa, pkg, fixed, sev, gvec, nvec, cwes, title, desc, pub, mod):
    version, lic = NPM[pkg]
    fix = _pick_fix(fixed, version)
    e, i = cvss3_subscores(gvec)
    return {
        "vulnerability": {
            "id": ghsa,
            "dataSource": f"https://github.com/advisories/{ghsa}",
            "namespace": "github:language:javascript",
            "severity": sev.capitalize(),
            "urls": [f"https://github.com/advisories/{ghsa}"],
            "description": title.split(": ", 1)[-1],
            "cvss": [{"version": "3.1", "vector": gvec,
                      "metrics": {"baseScore": cvss3_score(gvec), "exploitabilityScore": e, "impactScore": i},
                      "vendorMetadata": {"base_severity": sev.capitalize(), "status": "N/A"}}],
            "fix": {"versions": [fix], "state": "fixed"},
            "advisories": [],
        },
        "relatedVulnerabilities": [_grype_nvd_related(cve, nvec, None, desc)],
        "matchDetails": [{
            "type": "exact-direct-match",
            "matcher": "javascript-matcher",
            "searchedBy": {"language": "javascript", "namespace": "github:language:javascript",
                           "package": {"name": pkg, "version": version}},
            "found": {"vulnerabilityID": ghsa, "versionConstraint": f"<{fix} (unknown)"},
        }],
        "artifact": {
            "id": h("grype-artifact", pkg, version, n=16),
            "name": pkg,
            "version": version,
            "type": "npm",
            "locations": [{"path": f"/app/node_modules/{pkg}/package.json", "layerID": _diff_id(NODE_MODULES_LAYER),
                           "accessPath": f"/app/node_modules/{pkg}/package.json", "annotations": {"evidence": "primary"}}],
            "language": "javascript",
            "licenses": [lic],
            "cpes": [f"cpe:2.3:a:{pkg.replace('-', '_')}:{pkg.replace('-', '_')}:{version}:*:*:*:*:*:*:*"],
            "purl": f"pkg:npm/{pkg}@{version}",
            "upstreams": [],
        },
    }


def _grype_node_match(cve, sev, vec, constraint, fix, desc):
    name, version, path = NODE_BINARY
    e, i = cvss3_subscores(vec)
    cpe = f"cpe:2.3:a:nodejs:node.js:{version}:*:*:*:*:*:*:*"
    return {
        "vulnerability": {
            "id": cve,
            "dataSource": f"https://nvd.nist.gov/vuln/detail/{cve}",
            "namespace": "nvd:cpe",
            "severity": severity_of(cvss3_score(vec)).capitalize(),
            "urls": [NODE_ADVISORY[cve], f"https://www.cve.org/CVERecord?id={cve}"],
            "description": desc,
            "cvss": [{"source": "nvd@nist.gov", "type": "Primary", "version": "3.1", "vector": vec,
                      "metrics": {"baseScore": cvss3_score(vec), "exploitabilityScore": e, "impactScore": i},
                      "vendorMetadata": {}}],
            "fix": {"versions": [fix], "state": "fixed"},
            "advisories": [],
        },
        "relatedVulnerabilities": [],
        "matchDetails": [{
            "type": "cpe-match",
            "matcher": "stock-matcher",
            "searchedBy": {"namespace": "nvd:cpe", "cpes": [cpe], "Package": {"name": name, "version": version}},
            "found": {"vulnerabilityID": cve, "versionConstraint": f"{constraint} (unknown)",
                      "cpes": ["cpe:2.3:a:nodejs:node.js:*:*:*:*:-:*:*:*"]},
        }],
        "artifact": {
            "id": h("grype-artifact", name, version, n=16),
            "name": name,
            "version": version,
            "type": "binary",
            "locations": [{"path": path, "layerID": _diff_id(NODE_RUNTIME_LAYER), "accessPath": path,
                           "annotations": {"evidence": "primary"}}],
            "language": "",
            "licenses": [],
            "cpes": [cpe],
            "purl": f"pkg:generic/node@{version}",
            "upstreams": [],
        },
    }


def grype_image():
    matches = []
    for (vid, pkgs, fixed, _status, _sev, _source, gsev, gstate, v3, v2, _cwes, _title, desc, _pub, _mod) in OS_VULNS:
        if gsev is None:
            continue  # Debian TEMP ids are not in Grype's database
        for pkg in pkgs:
            matches.append(_grype_os_match(vid, pkg, fixed, gsev, gstate, v3, v2, desc))
    for rec in NPM_VULNS:
        matches.append(_grype_npm_match(*rec))
    for rec in GRYPE_ONLY:
        matches.append(_grype_node_match(*rec))
    matches.sort(key=lambda m: (m["artifact"]["name"], m["artifact"]["version"], m["vulnerability"]["id"]))
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": IMAGE_ID, "size": 7342},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": _digest(i), "size": l[1]}
                           for i, l in enumerate(LAYERS)]}
    return {
        "matches": matches,
        "source": {
            "type": "image",
            "target": {
                "userInput": IMAGE,
                "imageID": IMAGE_ID,
                "manifestDigest": MANIFEST_DIGEST,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "tags": [IMAGE],
                "imageSize": sum(l[2] for l in LAYERS),
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": _diff_id(i), "size": l[2]}
                           for i, l in enumerate(LAYERS)],
                "manifest": base64.b64encode(json.dumps(manifest, indent=2).encode()).decode(),
                "config": base64.b64encode(json.dumps(_image_config(), separators=(",", ":")).encode()).decode(),
                "repoDigests": [f"{REPO}@{MANIFEST_DIGEST}"],
                "architecture": "amd64",
                "os": "linux",
                "labels": _image_config()["config"]["Labels"],
            },
        },
        "distro": {"name": "debian", "version": "12", "idLike": ["debian"]},
        "descriptor": {
            "name": "grype",
            "version": GRYPE_VERSION,
            "configuration": {
                "output": ["json"],
                "file": "grype-image.json",
                "distro": "",
                "add-cpes-if-none": False,
                "output-template-file": "",
                "check-for-app-update": False,
                "only-fixed": False,
                "only-notfixed": False,
                "ignore-wontfix": "",
                "platform": "",
                "search": {"scope": "squashed", "unindexed-archives": False, "indexed-archives": True},
                "ignore": None,
                "exclude": [],
                "db": {"cache-dir": "/home/runner/.cache/grype/db",
                       "update-url": "https://toolbox-data.anchore.io/grype/databases/listing.json",
                       "ca-cert": "", "auto-update": True, "validate-by-hash-on-start": False, "validate-age": True,
                       "max-allowed-built-age": 432000000000000, "require-update-check": False,
                       "update-available-timeout": 30000000000, "update-download-timeout": 300000000000,
                       "max-update-check-frequency": 7200000000000},
                "externalSources": {"enable": False, "maven": {"searchUpstreamBySha1": True,
                                                              "baseUrl": "https://search.maven.org/solrsearch/select",
                                                              "rateLimit": 300000000}},
                "match": {"java": {"using-cpes": False}, "jvm": {"using-cpes": True}, "dotnet": {"using-cpes": False},
                          "golang": {"using-cpes": False, "always-use-cpe-for-stdlib": True,
                                     "allow-main-module-pseudo-version-comparison": False},
                          "javascript": {"using-cpes": False}, "python": {"using-cpes": False},
                          "ruby": {"using-cpes": False}, "rust": {"using-cpes": False}, "stock": {"using-cpes": True}},
                "fail-on-severity": "",
                "registry": {"insecure-skip-tls-verify": False, "insecure-use-http": False, "auth": None, "ca-cert": ""},
                "show-suppressed": False,
                "by-cve": False,
                "name": "",
                "default-image-pull-source": "",
                "vex-documents": [],
                "vex-add": [],
                "match-upstream-kernel-headers": False,
            },
            "db": {"built": "2024-11-04T01:31:27Z", "schemaVersion": 5,
                   "location": "/home/runner/.cache/grype/db/5",
                   "checksum": "sha256:" + h("grype-db", "2024-11-04"), "error": None},
            "timestamp": SCANNED_AT_GRYPE,
        },
    }
