//go:build tools

// Package tools pins the code generators the module runs with go generate.
package tools

import _ "github.com/99designs/gqlgen"
