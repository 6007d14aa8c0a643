package steward

import (
	"encoding/json"
	"strings"
)

// AuditCSVHeader names the columns of the audit log's CSV export (GET /api/v1/audit.csv, and
// the web interface's export through the session, which is byte-identical).
var AuditCSVHeader = []string{"id", "at", "actor_type", "actor_id", "actor_name", "account_id",
	"actor_account_id", "request_id", "source", "action", "object_type", "object_id",
	"object_name", "customer_id", "changes"}

// CSVRecord is the event as a row of the CSV export, in AuditCSVHeader's order: changes are
// JSON, and a cell a spreadsheet would run as a formula gets a leading "'".
func (e *AuditEvent) CSVRecord() ([]string, error) {
	changes := e.Changes
	if changes == nil {
		changes = []Change{}
	}
	cj, err := json.Marshal(changes)
	if err != nil {
		return nil, err
	}
	customerID := ""
	if e.CustomerID != nil {
		customerID = *e.CustomerID
	}
	rec := []string{e.ID, e.At.String(), string(e.Actor.Type), e.Actor.ID, e.Actor.Name,
		e.AccountID, e.ActorAccountID, e.RequestID, string(e.Source), e.Action, e.ObjectType,
		e.ObjectID, e.ObjectName, customerID, string(cj)}
	for i := range rec {
		rec[i] = csvCell(rec[i])
	}
	return rec, nil
}

// csvCell neutralises a cell a spreadsheet would run as a formula with a leading "'".
// CSVCell neutralises a cell a spreadsheet would run as a formula (a leading "'").
func CSVCell(s string) string { return csvCell(s) }

func csvCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
