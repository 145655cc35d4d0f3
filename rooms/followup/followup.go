// Package followup owns the tasks that come from a meeting's conclusions.
package followup
