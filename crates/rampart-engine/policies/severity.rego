# Severity and risk: a change must not introduce a critical issue that has a fix, nor any
# issue the risk score says to act on now; high issues are reported.
package rampart.severity

import data.rampart.lib

deny contains result if {
	lib.active
	input.issue.severity == "critical"
	count(input.issue.fix_versions) > 0
	result := {
		"msg": sprintf("critical %s in %s has a fix: upgrade to %s", [
			concat("/", input.issue.vulnerability_ids),
			input.issue.location.display,
			concat(" or ", input.issue.fix_versions),
		]),
		"policy": "no-fixable-critical",
		"fix_versions": input.issue.fix_versions,
	}
}

deny contains result if {
	lib.active
	input.risk.decision == "Act"
	not input.issue.secret
	result := {
		"msg": sprintf("%q scores %d: act now (%s)", [
			input.issue.title,
			input.risk.score,
			concat(", ", [f.name | some f in input.risk.factors]),
		]),
		"policy": "no-act-now-risk",
	}
}

warn contains result if {
	lib.active
	lib.severity_at_least("high")
	not input.issue.secret
	result := {
		"msg": sprintf("%s issue %q at %s", [input.issue.severity, input.issue.title, input.issue.location.display]),
		"policy": "high-severity",
	}
}
