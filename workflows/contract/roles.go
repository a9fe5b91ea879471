package contract

import "slices"

// Role is what a user may do. The workflow needs it to check assignees.
type Role string

const (
	RoleBankAdmin         Role = "BANK_ADMIN"
	RoleComplianceOfficer Role = "COMPLIANCE_OFFICER"
	RoleAnalyst           Role = "ANALYST"
)

// Roles lists every role.
var roles = []Role{RoleBankAdmin, RoleComplianceOfficer, RoleAnalyst}

// ParseRole accepts a role name.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(roles, r)
}

// CanBeAssigned reports whether a user of this role may own a case.
func (r Role) CanBeAssigned() bool { return r == RoleBankAdmin || r == RoleComplianceOfficer }

// Priority of a case.
type Priority string

var priorities = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// RiskLevel of a case's client.
var riskLevels = []string{"LOW", "MEDIUM", "HIGH"}

// ValidPriority reports whether p names a priority.
func ValidPriority(p string) bool { return slices.Contains(priorities, p) }
