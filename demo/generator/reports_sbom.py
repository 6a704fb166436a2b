"""SBOMs: payments-api (cyclonedx-maven-plugin, CycloneDX 1.5 JSON) and marketing-site
(cyclonedx-gomod, CycloneDX 1.4 XML)."""

import hashlib
from xml.sax.saxutils import escape

from util import stable_uuid

# ------------------------------------------------------------------------------ Maven

APACHE = [{"license": {"id": "Apache-2.0"}}]
SPRING = ("VMware, Inc.", "https://github.com/spring-projects/spring-framework")
BOOT = ("VMware, Inc.", "https://spring.io/projects/spring-boot")
SEC = ("Pivotal Software, Inc.", "https://spring.io/projects/spring-security")
FASTERXML = ("FasterXML", "https://github.com/FasterXML/jackson")
TOMCAT = ("The Apache Software Foundation", "https://tomcat.apache.org/")

# key -> (group, name, version, publisher, description, licenses, website, deps)
M = {}


def mvn(key, group, name, version, publisher, description, licenses, website, deps=()):
    M[key] = (group, name, version, publisher, description, licenses, website, list(deps))


BV = "2.6.5"
SV = "5.3.17"
SSV = "5.6.2"
JV = "2.13.2"
TV = "9.0.60"
LV = "2.14.1"

mvn("starter-web", "org.springframework.boot", "spring-boot-starter-web", BV, *BOOT[:1], "Starter for building web, including RESTful, applications using Spring MVC. Uses Tomcat as the default embedded container", APACHE, BOOT[1],
    ["starter", "starter-json", "starter-tomcat", "spring-web", "spring-webmvc"])
mvn("starter", "org.springframework.boot", "spring-boot-starter", BV, *BOOT[:1], "Core starter, including auto-configuration support, logging and YAML", APACHE, BOOT[1],
    ["boot", "autoconfigure", "starter-logging", "jakarta-annotation", "spring-core", "snakeyaml"])
mvn("boot", "org.springframework.boot", "spring-boot", BV, *BOOT[:1], "Spring Boot", APACHE, BOOT[1], ["spring-core", "spring-context"])
mvn("autoconfigure", "org.springframework.boot", "spring-boot-autoconfigure", BV, *BOOT[:1], "Spring Boot AutoConfigure", APACHE, BOOT[1], ["boot"])
mvn("starter-logging", "org.springframework.boot", "spring-boot-starter-logging", BV, *BOOT[:1], "Starter for logging using Logback. Default logging starter", APACHE, BOOT[1],
    ["logback-classic", "log4j-to-slf4j", "jul-to-slf4j"])
mvn("logback-classic", "ch.qos.logback", "logback-classic", "1.2.11", "QOS.ch", "logback-classic module",
    [{"license": {"id": "EPL-1.0"}}, {"license": {"id": "LGPL-2.1-only"}}], "http://logback.qos.ch", ["logback-core", "slf4j-api"])
mvn("logback-core", "ch.qos.logback", "logback-core", "1.2.11", "QOS.ch", "logback-core module",
    [{"license": {"id": "EPL-1.0"}}, {"license": {"id": "LGPL-2.1-only"}}], "http://logback.qos.ch")
mvn("slf4j-api", "org.slf4j", "slf4j-api", "1.7.36", "QOS.ch", "The slf4j API", [{"license": {"id": "MIT"}}], "http://www.slf4j.org")
mvn("jul-to-slf4j", "org.slf4j", "jul-to-slf4j", "1.7.36", "QOS.ch", "JUL to SLF4J bridge", [{"license": {"id": "MIT"}}], "http://www.slf4j.org", ["slf4j-api"])
mvn("log4j-to-slf4j", "org.apache.logging.log4j", "log4j-to-slf4j", LV, "The Apache Software Foundation", "The Apache Log4j binding between Log4j 2 API and SLF4J.", APACHE,
    "https://logging.apache.org/log4j/2.x/", ["slf4j-api", "log4j-api"])
mvn("log4j-api", "org.apache.logging.log4j", "log4j-api", LV, "The Apache Software Foundation", "The Apache Log4j API", APACHE, "https://logging.apache.org/log4j/2.x/")
mvn("log4j-core", "org.apache.logging.log4j", "log4j-core", LV, "The Apache Software Foundation", "The Apache Log4j Implementation", APACHE,
    "https://logging.apache.org/log4j/2.x/", ["log4j-api"])
mvn("jakarta-annotation", "jakarta.annotation", "jakarta.annotation-api", "1.3.5", "Eclipse Foundation", "Jakarta Annotations API",
    [{"license": {"id": "EPL-2.0"}}, {"license": {"id": "GPL-2.0-with-classpath-exception"}}], "https://projects.eclipse.org/projects/ee4j.ca")
mvn("snakeyaml", "org.yaml", "snakeyaml", "1.29", "", "YAML 1.1 parser and emitter for Java", APACHE, "https://bitbucket.org/asomov/snakeyaml")
mvn("starter-json", "org.springframework.boot", "spring-boot-starter-json", BV, *BOOT[:1], "Starter for reading and writing json", APACHE, BOOT[1],
    ["starter", "spring-web", "jackson-databind", "jackson-jdk8", "jackson-jsr310", "jackson-params"])
mvn("jackson-databind", "com.fasterxml.jackson.core", "jackson-databind", JV, *FASTERXML[:1], "General data-binding functionality for Jackson: works on core streaming API", APACHE,
    FASTERXML[1], ["jackson-annotations", "jackson-core"])
mvn("jackson-annotations", "com.fasterxml.jackson.core", "jackson-annotations", JV, *FASTERXML[:1], "Core annotations used for value types, used by Jackson data binding package.", APACHE, FASTERXML[1])
mvn("jackson-core", "com.fasterxml.jackson.core", "jackson-core", JV, *FASTERXML[:1], "Core Jackson processing abstractions (aka Streaming API), implementation for JSON", APACHE, FASTERXML[1])
mvn("jackson-jdk8", "com.fasterxml.jackson.datatype", "jackson-datatype-jdk8", JV, *FASTERXML[:1], "Add-on module for Jackson (http://jackson.codehaus.org) to support JDK 8 data types.", APACHE, FASTERXML[1],
    ["jackson-core", "jackson-databind"])
mvn("jackson-jsr310", "com.fasterxml.jackson.datatype", "jackson-datatype-jsr310", JV, *FASTERXML[:1], "Add-on module to support JSR-310 (Java 8 Date & Time API) data types.", APACHE, FASTERXML[1],
    ["jackson-annotations", "jackson-core", "jackson-databind"])
mvn("jackson-params", "com.fasterxml.jackson.module", "jackson-module-parameter-names", JV, *FASTERXML[:1], "Add-on module for Jackson (http://jackson.codehaus.org) to support introspection of method/constructor parameter names, without having to add explicit property name annotation.", APACHE, FASTERXML[1],
    ["jackson-core", "jackson-databind"])
mvn("starter-tomcat", "org.springframework.boot", "spring-boot-starter-tomcat", BV, *BOOT[:1], "Starter for using Tomcat as the embedded servlet container. Default servlet container starter used by spring-boot-starter-web", APACHE, BOOT[1],
    ["jakarta-annotation", "tomcat-core", "tomcat-el", "tomcat-websocket"])
mvn("tomcat-core", "org.apache.tomcat.embed", "tomcat-embed-core", TV, *TOMCAT[:1], "Core Tomcat implementation", APACHE, TOMCAT[1])
mvn("tomcat-el", "org.apache.tomcat.embed", "tomcat-embed-el", TV, *TOMCAT[:1], "Core Tomcat implementation", APACHE, TOMCAT[1])
mvn("tomcat-websocket", "org.apache.tomcat.embed", "tomcat-embed-websocket", TV, *TOMCAT[:1], "Core Tomcat implementation", APACHE, TOMCAT[1], ["tomcat-core"])
mvn("spring-web", "org.springframework", "spring-web", SV, *SPRING[:1], "Spring Web", APACHE, SPRING[1], ["spring-beans", "spring-core"])
mvn("spring-webmvc", "org.springframework", "spring-webmvc", SV, *SPRING[:1], "Spring Web MVC", APACHE, SPRING[1],
    ["spring-aop", "spring-beans", "spring-context", "spring-core", "spring-expression", "spring-web"])
mvn("spring-aop", "org.springframework", "spring-aop", SV, *SPRING[:1], "Spring AOP", APACHE, SPRING[1], ["spring-beans", "spring-core"])
mvn("spring-beans", "org.springframework", "spring-beans", SV, *SPRING[:1], "Spring Beans", APACHE, SPRING[1], ["spring-core"])
mvn("spring-context", "org.springframework", "spring-context", SV, *SPRING[:1], "Spring Context", APACHE, SPRING[1],
    ["spring-aop", "spring-beans", "spring-core", "spring-expression"])
mvn("spring-core", "org.springframework", "spring-core", SV, *SPRING[:1], "Spring Core", APACHE, SPRING[1], ["spring-jcl"])
mvn("spring-jcl", "org.springframework", "spring-jcl", SV, *SPRING[:1], "Spring Commons Logging Bridge", APACHE, SPRING[1])
mvn("spring-expression", "org.springframework", "spring-expression", SV, *SPRING[:1], "Spring Expression Language (SpEL)", APACHE, SPRING[1], ["spring-core"])
mvn("spring-jdbc", "org.springframework", "spring-jdbc", SV, *SPRING[:1], "Spring JDBC", APACHE, SPRING[1], ["spring-beans", "spring-core", "spring-tx"])
mvn("spring-tx", "org.springframework", "spring-tx", SV, *SPRING[:1], "Spring Transaction", APACHE, SPRING[1], ["spring-beans", "spring-core"])
mvn("starter-security", "org.springframework.boot", "spring-boot-starter-security", BV, *BOOT[:1], "Starter for using Spring Security", APACHE, BOOT[1],
    ["starter", "spring-aop", "security-config", "security-web"])
mvn("security-config", "org.springframework.security", "spring-security-config", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-core", "spring-aop", "spring-beans", "spring-context", "spring-core"])
mvn("security-core", "org.springframework.security", "spring-security-core", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-crypto", "spring-aop", "spring-beans", "spring-context", "spring-core", "spring-expression"])
mvn("security-crypto", "org.springframework.security", "spring-security-crypto", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1])
mvn("security-web", "org.springframework.security", "spring-security-web", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-core", "spring-core", "spring-aop", "spring-beans", "spring-context", "spring-expression", "spring-web"])
mvn("starter-oauth2-rs", "org.springframework.boot", "spring-boot-starter-oauth2-resource-server", BV, *BOOT[:1], "Starter for using Spring Security's OAuth2 resource server features", APACHE, BOOT[1],
    ["starter", "security-config", "security-core", "security-oauth2-rs", "security-oauth2-jose"])
mvn("security-oauth2-core", "org.springframework.security", "spring-security-oauth2-core", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-core", "spring-core", "spring-web"])
mvn("security-oauth2-rs", "org.springframework.security", "spring-security-oauth2-resource-server", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-core", "security-oauth2-core", "security-web", "spring-core"])
mvn("security-oauth2-jose", "org.springframework.security", "spring-security-oauth2-jose", SSV, *SEC[:1], "Spring Security", APACHE, SEC[1],
    ["security-core", "security-oauth2-core", "spring-core", "nimbus-jose-jwt"])
mvn("nimbus-jose-jwt", "com.nimbusds", "nimbus-jose-jwt", "9.14", "Connect2id Ltd.", "Java library for Javascript Object Signing and Encryption (JOSE) and JSON Web Tokens (JWT)", APACHE,
    "https://bitbucket.org/connect2id/nimbus-jose-jwt", ["jcip"])
mvn("jcip", "com.github.stephenc.jcip", "jcip-annotations", "1.0-1", "", "A clean room implementation of the JCIP Annotations", APACHE, "http://stephenc.github.com/jcip-annotations")
mvn("starter-jdbc", "org.springframework.boot", "spring-boot-starter-jdbc", BV, *BOOT[:1], "Starter for using JDBC with the HikariCP connection pool", APACHE, BOOT[1],
    ["starter", "hikari", "spring-jdbc"])
mvn("hikari", "com.zaxxer", "HikariCP", "4.0.3", "Zaxxer.com", "Ultimate JDBC Connection Pool", APACHE, "https://github.com/brettwooldridge/HikariCP", ["slf4j-api"])
mvn("starter-validation", "org.springframework.boot", "spring-boot-starter-validation", BV, *BOOT[:1], "Starter for using Java Bean Validation with Hibernate Validator", APACHE, BOOT[1],
    ["starter", "tomcat-el", "hibernate-validator"])
mvn("hibernate-validator", "org.hibernate.validator", "hibernate-validator", "6.2.3.Final", "JBoss by Red Hat", "Hibernate's Bean Validation (JSR-380) reference implementation.", APACHE,
    "http://hibernate.org/validator/", ["validation-api", "jboss-logging", "classmate"])
mvn("validation-api", "jakarta.validation", "jakarta.validation-api", "2.0.2", "Eclipse Foundation", "Jakarta Bean Validation API", APACHE, "https://beanvalidation.org")
mvn("jboss-logging", "org.jboss.logging", "jboss-logging", "3.4.3.Final", "JBoss by Red Hat", "The JBoss Logging Framework", APACHE, "http://www.jboss.org")
mvn("classmate", "com.fasterxml", "classmate", "1.5.1", "fasterxml.com", "Library for introspecting types with full generic information including resolving of field and method types.", APACHE,
    "https://github.com/FasterXML/java-classmate")
mvn("starter-actuator", "org.springframework.boot", "spring-boot-starter-actuator", BV, *BOOT[:1], "Starter for using Spring Boot's Actuator which provides production ready features to help you monitor and manage your application", APACHE, BOOT[1],
    ["starter", "actuator-autoconfigure", "micrometer"])
mvn("actuator-autoconfigure", "org.springframework.boot", "spring-boot-actuator-autoconfigure", BV, *BOOT[:1], "Spring Boot Actuator AutoConfigure", APACHE, BOOT[1],
    ["actuator", "autoconfigure", "jackson-databind", "jackson-jsr310"])
mvn("actuator", "org.springframework.boot", "spring-boot-actuator", BV, *BOOT[:1], "Spring Boot Actuator", APACHE, BOOT[1], ["boot"])
mvn("micrometer", "io.micrometer", "micrometer-core", "1.8.4", "VMware, Inc.", "Application monitoring instrumentation facade", APACHE, "https://github.com/micrometer-metrics/micrometer",
    ["hdrhistogram", "latencyutils"])
mvn("hdrhistogram", "org.hdrhistogram", "HdrHistogram", "2.1.12", "", "HdrHistogram supports the recording and analyzing sampled data value counts across a configurable integer value range with configurable value precision within the range.",
    [{"license": {"id": "CC0-1.0"}}, {"license": {"id": "BSD-2-Clause"}}], "http://hdrhistogram.github.io/HdrHistogram/")
mvn("latencyutils", "org.latencyutils", "LatencyUtils", "2.0.3", "", "LatencyUtils is a package that provides latency recording and reporting utilities.",
    [{"license": {"name": "Public Domain, per Creative Commons CC0", "url": "http://creativecommons.org/publicdomain/zero/1.0/"}}], "http://latencyutils.github.io/LatencyUtils/")
mvn("postgresql", "org.postgresql", "postgresql", "42.3.3", "PostgreSQL Global Development Group", "PostgreSQL JDBC Driver Postgresql",
    [{"license": {"id": "BSD-2-Clause"}}], "https://jdbc.postgresql.org", ["checker-qual"])
mvn("checker-qual", "org.checkerframework", "checker-qual", "3.5.0", "", "checker-qual contains annotations (type qualifiers) that a programmer writes to specify Java code for type-checking by the Checker Framework.",
    [{"license": {"id": "MIT"}}], "https://checkerframework.org")
mvn("audit-client", "com.northwind.legacy", "audit-client", "1.4.0", "Northwind Outfitters", "Client for the legacy audit trail service (AUD-1).",
    [{"license": {"name": "Northwind Outfitters Proprietary"}}], "https://git.northwind.example/platform/audit-client", ["log4j-core", "log4j-api", "commons-lang3"])
mvn("commons-text", "org.apache.commons", "commons-text", "1.9", "The Apache Software Foundation", "Apache Commons Text is a library focused on algorithms working on strings.", APACHE,
    "https://commons.apache.org/proper/commons-text", ["commons-lang3"])
mvn("commons-lang3", "org.apache.commons", "commons-lang3", "3.12.0", "The Apache Software Foundation", "Apache Commons Lang, a package of Java utility classes for the classes that are in java.lang's hierarchy, or are considered to be so standard as to justify existence in java.lang.", APACHE,
    "https://commons.apache.org/proper/commons-lang/")
mvn("guava", "com.google.guava", "guava", "30.1-jre", "", "Guava is a suite of core and expanded libraries that include utility classes, Google's collections, I/O classes, and much more.", APACHE,
    "https://github.com/google/guava", ["failureaccess", "listenablefuture", "jsr305", "checker-qual", "errorprone", "j2objc"])
mvn("failureaccess", "com.google.guava", "failureaccess", "1.0.1", "", "Contains com.google.common.util.concurrent.internal.InternalFutureFailureAccess and InternalFutures.", APACHE, "https://github.com/google/guava")
mvn("listenablefuture", "com.google.guava", "listenablefuture", "9999.0-empty-to-avoid-conflict-with-guava", "", "An empty artifact that Guava depends on to signal that it is providing ListenableFuture.", APACHE, "https://github.com/google/guava")
mvn("jsr305", "com.google.code.findbugs", "jsr305", "3.0.2", "", "JSR305 Annotations for Findbugs", APACHE, "http://findbugs.sourceforge.net/")
mvn("errorprone", "com.google.errorprone", "error_prone_annotations", "2.5.1", "", "Error Prone is a static analysis tool for Java that catches common programming mistakes at compile-time.", APACHE, "https://errorprone.info")
mvn("j2objc", "com.google.j2objc", "j2objc-annotations", "1.3", "", "A set of annotations that provide additional information to the J2ObjC translator to modify the result of translation.", APACHE, "https://github.com/google/j2objc/")
mvn("bcprov", "org.bouncycastle", "bcprov-jdk15on", "1.69", "", "The Bouncy Castle Crypto package is a Java implementation of cryptographic algorithms. This jar contains JCE provider and lightweight API for the Bouncy Castle Cryptography APIs for JDK 1.5 and up.",
    [{"license": {"name": "Bouncy Castle Licence", "url": "https://www.bouncycastle.org/licence.html"}}], "https://www.bouncycastle.org/java.html")

ROOT_DEPS = ["starter-web", "starter-security", "starter-jdbc", "starter-validation", "starter-actuator", "starter-oauth2-rs",
             "postgresql", "audit-client", "commons-text", "guava", "bcprov"]
APP = ("com.northwind.payments", "payments-api", "3.8.2")

OPTIONAL = set()


def _purl(group, name, version):
    return f"pkg:maven/{group}/{name}@{version}?type=jar"


def _hashes(group, name, version):
    seed = f"{group}:{name}:{version}".encode()
    return [
        {"alg": "MD5", "content": hashlib.md5(b"jar|" + seed).hexdigest()},
        {"alg": "SHA-1", "content": hashlib.sha1(b"jar|" + seed).hexdigest()},
        {"alg": "SHA-256", "content": hashlib.sha256(b"jar|" + seed).hexdigest()},
        {"alg": "SHA-512", "content": hashlib.sha512(b"jar|" + seed).hexdigest()},
        {"alg": "SHA-384", "content": hashlib.sha384(b"jar|" + seed).hexdigest()},
        {"alg": "SHA3-384", "content": hashlib.sha3_384(b"jar|" + seed).hexdigest()},
        {"alg": "SHA3-256", "content": hashlib.sha3_256(b"jar|" + seed).hexdigest()},
        {"alg": "SHA3-512", "content": hashlib.sha3_512(b"jar|" + seed).hexdigest()},
    ]


def _reachable():
    seen, order, stack = set(), [], list(ROOT_DEPS)
    while stack:
        k = stack.pop(0)
        if k in seen:
            continue
        seen.add(k)
        order.append(k)
        stack.extend(M[k][7])
    return seen


def cyclonedx_payments():
    keys = _reachable()
    assert keys == set(M), set(M) - keys
    comps = []
    for k in sorted(keys, key=lambda k: (M[k][0], M[k][1])):
        group, name, version, publisher, desc, lic, site, _deps = M[k]
        c = {}
        if publisher:
            c["publisher"] = publisher
        c.update({"group": group, "name": name, "version": version, "description": desc,
                  "scope": "optional" if k in OPTIONAL else "required",
                  "hashes": _hashes(group, name, version), "licenses": lic,
                  "purl": _purl(group, name, version),
                  "externalReferences": [{"type": "website", "url": site}],
                  "type": "library", "bom-ref": _purl(group, name, version)})
        if group.startswith("org.springframework"):
            c["externalReferences"].append({"type": "vcs", "url": "https://github.com/spring-projects/" + (
                "spring-boot" if "boot" in group else "spring-security" if "security" in group else "spring-framework")})
            c["externalReferences"].append({"type": "issue-tracker", "url": "https://github.com/spring-projects/" + (
                "spring-boot" if "boot" in group else "spring-security" if "security" in group else "spring-framework") + "/issues"})
        comps.append(c)
    app_ref = _purl(*APP)
    deps = [{"ref": app_ref, "dependsOn": [_purl(*M[k][:3]) for k in ROOT_DEPS]}]
    for k in sorted(keys, key=lambda k: (M[k][0], M[k][1])):
        deps.append({"ref": _purl(*M[k][:3]), "dependsOn": [_purl(*M[d][:3]) for d in M[k][7]]})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:" + stable_uuid("payments-api-bom", "3.8.2"),
        "version": 1,
        "metadata": {
            "timestamp": "2024-11-04T08:57:12Z",
            "lifecycles": [{"phase": "build"}],
            "tools": {"components": [{
                "type": "library", "author": "CycloneDX", "group": "org.cyclonedx", "name": "cyclonedx-maven-plugin",
                "version": "2.9.0", "description": "CycloneDX Maven plugin",
                "hashes": _hashes("org.cyclonedx", "cyclonedx-maven-plugin", "2.9.0")[:4],
                "externalReferences": [
                    {"type": "vcs", "url": "https://github.com/CycloneDX/cyclonedx-maven-plugin"},
                    {"type": "website", "url": "https://github.com/CycloneDX/cyclonedx-maven-plugin"},
                    {"type": "issue-tracker", "url": "https://github.com/CycloneDX/cyclonedx-maven-plugin/issues"},
                    {"type": "license", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
                    {"type": "build-system", "url": "https://github.com/CycloneDX/cyclonedx-maven-plugin/actions"},
                ],
            }]},
            "component": {
                "group": APP[0], "name": APP[1], "version": APP[2],
                "description": "Northwind Outfitters payments API: authorisation, capture, refunds and settlement",
                "licenses": [{"license": {"name": "Northwind Outfitters Proprietary"}}],
                "purl": app_ref, "type": "application", "bom-ref": app_ref,
            },
            "properties": [{"name": "maven.goal", "value": "makeBom"},
                           {"name": "maven.scopes", "value": "compile,provided,runtime,system"}],
        },
        "components": comps,
        "dependencies": deps,
    }


# ------------------------------------------------------------------------------ Go modules

# module path -> (version, license ids, deps)
GO = {
    "github.com/BurntSushi/toml": ("v1.3.0", ["MIT"], []),
    "github.com/alecthomas/chroma/v2": ("v2.7.0", ["MIT"], ["github.com/dlclark/regexp2"]),
    "github.com/dlclark/regexp2": ("v1.9.0", ["MIT"], []),
    "github.com/fsnotify/fsnotify": ("v1.6.0", ["BSD-3-Clause"], ["golang.org/x/sys"]),
    "github.com/gin-contrib/sse": ("v0.1.0", ["MIT"], []),
    "github.com/gin-gonic/gin": ("v1.9.0", ["MIT"], [
        "github.com/gin-contrib/sse", "github.com/go-playground/validator/v10", "github.com/goccy/go-json",
        "github.com/json-iterator/go", "github.com/mattn/go-isatty", "github.com/pelletier/go-toml/v2",
        "github.com/ugorji/go/codec", "golang.org/x/net", "google.golang.org/protobuf", "gopkg.in/yaml.v3"]),
    "github.com/go-playground/validator/v10": ("v10.12.0", ["MIT"], ["golang.org/x/crypto", "golang.org/x/net", "golang.org/x/text"]),
    "github.com/goccy/go-json": ("v0.10.2", ["MIT"], []),
    "github.com/gorilla/websocket": ("v1.5.0", ["BSD-2-Clause"], []),
    "github.com/inconshreveable/mousetrap": ("v1.1.0", ["Apache-2.0"], []),
    "github.com/json-iterator/go": ("v1.1.12", ["MIT"], []),
    "github.com/mattn/go-isatty": ("v0.0.18", ["MIT"], ["golang.org/x/sys"]),
    "github.com/pelletier/go-toml/v2": ("v2.0.7", ["MIT"], []),
    "github.com/spf13/cobra": ("v1.7.0", ["Apache-2.0"], ["github.com/inconshreveable/mousetrap", "github.com/spf13/pflag"]),
    "github.com/spf13/pflag": ("v1.0.5", ["BSD-3-Clause"], []),
    "github.com/tdewolff/minify/v2": ("v2.12.5", ["MIT"], ["github.com/tdewolff/parse/v2"]),
    "github.com/tdewolff/parse/v2": ("v2.6.5", ["MIT"], []),
    "github.com/ugorji/go/codec": ("v1.2.11", ["MIT"], []),
    "github.com/yuin/goldmark": ("v1.5.4", ["MIT"], []),
    "golang.org/x/crypto": ("v0.9.0", ["BSD-3-Clause"], ["golang.org/x/sys"]),
    "golang.org/x/image": ("v0.7.0", ["BSD-3-Clause"], ["golang.org/x/text"]),
    "golang.org/x/net": ("v0.10.0", ["BSD-3-Clause"], ["golang.org/x/sys", "golang.org/x/text"]),
    "golang.org/x/sys": ("v0.8.0", ["BSD-3-Clause"], []),
    "golang.org/x/text": ("v0.9.0", ["BSD-3-Clause"], []),
    "google.golang.org/protobuf": ("v1.30.0", ["BSD-3-Clause"], []),
    "gopkg.in/yaml.v3": ("v3.0.0-20210107192922-496545a6307b", ["MIT", "Apache-2.0"], []),
}
GO_DIRECT = ["github.com/BurntSushi/toml", "github.com/alecthomas/chroma/v2", "github.com/fsnotify/fsnotify",
             "github.com/gin-gonic/gin", "github.com/gorilla/websocket", "github.com/spf13/cobra",
             "github.com/tdewolff/minify/v2", "github.com/yuin/goldmark", "golang.org/x/image", "golang.org/x/net",
             "gopkg.in/yaml.v3"]
GO_APP = ("github.com/northwind-outfitters/marketing-site", "v1.9.0")
GO_STD = "go1.21.5"


def _gopurl(path, version):
    return f"pkg:golang/{path}@{version}?type=module"


def _h1(path, version):
    """The SHA-256 of go.sum's `h1:` hash, in hex (what cyclonedx-gomod records)."""
    return hashlib.sha256(f"h1|{path}|{version}".encode()).hexdigest()


def _vcs(path):
    if path.startswith("golang.org/x/"):
        return "https://go.googlesource.com/" + path.split("/")[2]
    if path.startswith("google.golang.org/protobuf"):
        return "https://go.googlesource.com/protobuf"
    if path.startswith("gopkg.in/yaml.v3"):
        return "https://github.com/go-yaml/yaml"
    parts = path.split("/")
    return "https://" + "/".join(parts[:3])


def cyclonedx_marketing_xml():
    app_ref = _gopurl(*GO_APP)
    std_ref = f"pkg:golang/std@{GO_STD}?type=module"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<bom xmlns="http://cyclonedx.org/schema/bom/1.4" serialNumber="urn:uuid:{stable_uuid("marketing-site-bom", GO_APP[1])}" version="1">',
           "  <metadata>",
           "    <timestamp>2024-11-05T16:21:48Z</timestamp>",
           "    <tools>",
           "      <tool>",
           "        <vendor>CycloneDX</vendor>",
           "        <name>cyclonedx-gomod</name>",
           "        <version>v1.4.1</version>",
           "        <hashes>"]
    tool_seed = b"cyclonedx-gomod v1.4.1"
    for alg, fn in (("MD5", hashlib.md5), ("SHA-1", hashlib.sha1), ("SHA-256", hashlib.sha256), ("SHA-384", hashlib.sha384), ("SHA-512", hashlib.sha512)):
        out.append(f'          <hash alg="{alg}">{fn(tool_seed).hexdigest()}</hash>')
    out += ["        </hashes>",
            "        <externalReferences>",
            '          <reference type="vcs">',
            "            <url>https://github.com/CycloneDX/cyclonedx-gomod</url>",
            "          </reference>",
            '          <reference type="website">',
            "            <url>https://cyclonedx.org</url>",
            "          </reference>",
            "        </externalReferences>",
            "      </tool>",
            "    </tools>",
            f'    <component bom-ref="{app_ref}" type="application">',
            f"      <name>{GO_APP[0]}</name>",
            f"      <version>{GO_APP[1]}</version>",
            "      <description>Static site generator and preview server for northwind.example</description>",
            f"      <purl>{app_ref}</purl>",
            "      <externalReferences>",
            '        <reference type="vcs">',
            "          <url>https://git.northwind.example/marketing/marketing-site</url>",
            "        </reference>",
            "      </externalReferences>",
            "      <properties>",
            '        <property name="cdx:gomod:build:env:CGO_ENABLED">0</property>',
            '        <property name="cdx:gomod:build:env:GOARCH">amd64</property>',
            '        <property name="cdx:gomod:build:env:GOOS">linux</property>',
            f'        <property name="cdx:gomod:build:env:GOVERSION">{GO_STD}</property>',
            "      </properties>",
            "    </component>",
            "  </metadata>",
            "  <components>"]
    for path in sorted(GO):
        version, lics, _deps = GO[path]
        ref = _gopurl(path, version)
        out += [f'    <component bom-ref="{escape(ref)}" type="library">',
                f"      <name>{path}</name>",
                f"      <version>{version}</version>",
                "      <scope>required</scope>",
                "      <hashes>",
                f'        <hash alg="SHA-256">{_h1(path, version)}</hash>',
                "      </hashes>",
                f"      <purl>{escape(ref)}</purl>",
                "      <externalReferences>",
                '        <reference type="vcs">',
                f"          <url>{_vcs(path)}</url>",
                "        </reference>",
                "      </externalReferences>",
                "      <evidence>",
                "        <licenses>"]
        for lic in lics:
            out += ["          <license>", f"            <id>{lic}</id>", "          </license>"]
        out += ["        </licenses>", "      </evidence>", "    </component>"]
    out += [f'    <component bom-ref="{std_ref}" type="library">',
            "      <name>std</name>",
            f"      <version>{GO_STD}</version>",
            "      <description>The Go standard library</description>",
            "      <scope>required</scope>",
            f"      <purl>{std_ref}</purl>",
            "      <externalReferences>",
            '        <reference type="website">',
            "          <url>https://go.dev/</url>",
            "        </reference>",
            "      </externalReferences>",
            "    </component>",
            "  </components>",
            "  <dependencies>",
            f'    <dependency ref="{app_ref}">']
    for d in GO_DIRECT:
        out.append(f'      <dependency ref="{_gopurl(d, GO[d][0])}"></dependency>')
    out.append(f'      <dependency ref="{std_ref}"></dependency>')
    out.append("    </dependency>")
    for path in sorted(GO):
        version, _lics, deps = GO[path]
        if deps:
            out.append(f'    <dependency ref="{_gopurl(path, version)}">')
            for d in deps:
                out.append(f'      <dependency ref="{_gopurl(d, GO[d][0])}"></dependency>')
            out.append("    </dependency>")
        else:
            out.append(f'    <dependency ref="{_gopurl(path, version)}"></dependency>')
    out.append(f'    <dependency ref="{std_ref}"></dependency>')
    out += ["  </dependencies>", "</bom>"]
    return "\n".join(out) + "\n"
