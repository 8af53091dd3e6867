package mssql

// Entra ID for auth = "entra", through the azuread connector.

import (
	"database/sql/driver"

	"github.com/microsoft/go-mssqldb/azuread"
)

func init() {
	entraConnector = func(dsn string) (driver.Connector, error) { return azuread.NewConnector(dsn) }
}
