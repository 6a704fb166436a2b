package rampart.licenses_test

import data.rampart.licenses

gpl := {
	"active": true,
	"license": "GPL-3.0-only",
	"component": {"name": "readline", "version": "8.2"},
	"location": {"display": "pkg:deb/debian/readline@8.2"},
}

test_gpl_in_distributed_app_is_denied if {
	count(licenses.deny) == 1 with input as {"issue": gpl, "application": {"name": "agent", "distributed": true}}
}

test_gpl_in_a_service_is_allowed if {
	count(licenses.deny) == 0 with input as {"issue": gpl, "application": {"name": "shop", "distributed": false, "exposure": "internet"}}
}

test_agpl_on_the_internet_is_denied if {
	issue := object.union(gpl, {"license": "AGPL-3.0-or-later"})
	count(licenses.deny) == 1 with input as {"issue": issue, "application": {"name": "shop", "distributed": false, "exposure": "internet"}}
}

test_permissive_is_allowed if {
	issue := object.union(gpl, {"license": "Apache-2.0"})
	count(licenses.deny) == 0 with input as {"issue": issue, "application": {"name": "agent", "distributed": true}}
}

test_mpl_warns_in_distributed_app if {
	issue := object.union(gpl, {"license": "MPL-2.0"})
	count(licenses.deny) == 0 with input as {"issue": issue, "application": {"name": "agent", "distributed": true}}
	count(licenses.warn) == 1 with input as {"issue": issue, "application": {"name": "agent", "distributed": true}}
}

test_no_license_no_result if {
	issue := object.remove(gpl, ["license"])
	count(licenses.deny) == 0 with input as {"issue": issue, "application": {"name": "agent", "distributed": true}}
}
