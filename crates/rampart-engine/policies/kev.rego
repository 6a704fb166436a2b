# No vulnerability that is known to be exploited (CISA KEV) may reach production.
package rampart.kev

import data.rampart.lib

deny contains result if {
	lib.active
	lib.production
	input.issue.kev
	result := {
		"msg": sprintf("%s in %s is on CISA's Known Exploited Vulnerabilities list and the change goes to production", [
			concat("/", input.issue.vulnerability_ids),
			input.issue.location.display,
		]),
		"policy": "no-kev-in-production",
		"fix_versions": input.issue.fix_versions,
	}
}

# Outside production a KEV vulnerability is still worth a warning.
warn contains result if {
	lib.active
	not lib.production
	input.issue.kev
	result := {
		"msg": sprintf("%s in %s is on CISA's Known Exploited Vulnerabilities list", [
			concat("/", input.issue.vulnerability_ids),
			input.issue.location.display,
		]),
		"policy": "kev-outside-production",
	}
}
