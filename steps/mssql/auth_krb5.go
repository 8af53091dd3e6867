package mssql

// Kerberos for auth = "windows" on runners outside the domain (krb5
// keytab, credential cache or realm settings).

import _ "github.com/microsoft/go-mssqldb/integratedauth/krb5"

func init() { krb5Linked = true }
