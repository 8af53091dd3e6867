package deps
import (
 _ "github.com/hashicorp/hcl/v2"
 _ "github.com/hashicorp/hcl/v2/hclwrite"
 _ "github.com/hashicorp/hcl/v2/hcldec"
 _ "github.com/hashicorp/hcl/v2/ext/tryfunc"
 _ "github.com/hashicorp/hcl/v2/ext/typeexpr"
 _ "github.com/hashicorp/hcl/v2/ext/dynblock"
 _ "github.com/zclconf/go-cty/cty"
 _ "github.com/zclconf/go-cty/cty/function/stdlib"
 _ "github.com/zclconf/go-cty/cty/msgpack"
 _ "github.com/microsoft/go-mssqldb"
 _ "github.com/microsoft/go-mssqldb/msdsn"
 _ "go.etcd.io/bbolt"
 _ "github.com/hashicorp/go-hclog"
 _ "github.com/DATA-DOG/go-sqlmock"
 _ "github.com/google/go-cmp/cmp"
)
