# Helpers shared by Rampart's default policies. Users' policies may import them too:
#   import data.rampart.lib
package rampart.lib

# The issue is active: open or reopened. Triaged issues (false positive, risk accepted,
# not affected, mitigated) are not judged again.
active if input.issue.active

# Severity order, for comparisons: severity_at_least("high").
levels := {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

severity_at_least(s) if input.issue.severity_level >= levels[s]

# The change lands in production.
production if input.application.production

# The change introduces the issue (the gate judges only these).
introduced if input.change == "new"

# Strong copyleft (and LGPL): obligations on whoever distributes the software.
strong_copyleft_prefixes := [
	"gpl", "agpl", "lgpl", "sspl", "eupl", "osl-", "rpl-", "cpal-", "qpl-", "sleepycat",
	"gnu general public license", "gnu affero", "gnu lesser",
]

# Weak (file-level) copyleft: MPL, EPL, CDDL and the like.
weak_copyleft_prefixes := ["mpl-", "epl-", "cddl-", "ms-rl", "cecill"]

# Network copyleft: reaches the users of a network service, distributed or not.
network_copyleft_prefixes := ["agpl", "sspl", "gnu affero", "cpal-", "rpl-"]

# The alternatives of an SPDX expression, each a set of lower-case ids:
# "MIT OR (GPL-2.0-only AND BSD-3-Clause)" -> {{"mit"}, {"gpl-2.0-only", "bsd-3-clause"}}.
alternatives(license) := {alt |
	some a in split(lower(license), " or ")
	alt := {trim(p, " ()") | some p in split(replace(a, " with ", " and "), " and ")}
}

# An expression is copyleft of a family when every alternative carries an id of it: a choice
# with a permissive alternative carries no obligation.
of_family(license, prefixes) if {
	every alt in alternatives(license) {
		some id in alt
		some prefix in prefixes
		startswith(id, prefix)
	}
}

strong_copyleft(license) if of_family(license, strong_copyleft_prefixes)

weak_copyleft(license) if {
	of_family(license, weak_copyleft_prefixes)
	not strong_copyleft(license)
}

network_copyleft(license) if of_family(license, network_copyleft_prefixes)
