package rampart.secrets_test

import data.rampart.secrets

secret := {
	"active": true,
	"secret": true,
	"rule": "aws-access-token",
	"location": {"display": "config/settings.py:12"},
}

test_a_secret_is_denied_anywhere if {
	count(secrets.deny) == 1 with input as {"issue": secret, "application": {"production": false}}
	count(secrets.deny) == 1 with input as {"issue": secret, "application": {"production": true}}
}

test_a_false_positive_secret_is_allowed if {
	issue := object.union(secret, {"active": false})
	count(secrets.deny) == 0 with input as {"issue": issue, "application": {}}
}

test_code_issue_is_not_a_secret if {
	issue := object.union(secret, {"secret": false})
	count(secrets.deny) == 0 with input as {"issue": issue, "application": {}}
}
