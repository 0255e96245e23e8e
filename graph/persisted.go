package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of Automatic Persisted Queries (see persistedQueries): the server does not know the
// hash (the client then sends the query with it), or keeps no queries at all (the client then
// stops sending hashes).
const (
	CodePersistedQueryNotFound     = "PERSISTED_QUERY_NOT_FOUND"
	CodePersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
)

// MaxPersistedQueryBytes is the longest query the server keeps for Automatic Persisted
// Queries; a longer one is served when sent, but its hash alone is never known. It bounds the
// cache's memory at Config.PersistedQueries times this.
const MaxPersistedQueryBytes = 32 << 10

// persistedQueries is the gqlgen extension that serves Automatic Persisted Queries, the
// protocol of Apollo's clients (apollo-link-persisted-queries): a request may carry
// extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex SHA-256 of the query>"}
// instead of the query. When the server knows the hash it runs the query it kept; otherwise it
// answers PERSISTED_QUERY_NOT_FOUND, the client sends the query with the hash once, and the
// server keeps it. Works over every transport; a hash-only GET keeps URLs short.
//
// gqlgen's own extension (extension.AutomaticPersistedQuery) keeps a query before it is
// parsed, so any text, valid or not, takes room in the cache; this one keeps a query only
// once it was parsed, validated and passed every other check (it runs last), and only up to
// MaxPersistedQueryBytes. Its errors carry codes. Without a cache (PersistedQueries = 0) a
// hash without a query gets PERSISTED_QUERY_NOT_SUPPORTED, which makes Apollo's clients send
// queries in full from then on; a query sent with a hash is served as if sent alone.
type persistedQueries struct {
	cache *lru.LRU[string] // hash → query; nil: not supported
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = persistedQueries{}

func newPersistedQueries(size int) persistedQueries {
	if size <= 0 {
		return persistedQueries{}
	}
	return persistedQueries{cache: lru.New[string](size)}
}

func (persistedQueries) ExtensionName() string                   { return "PersistedQueries" }
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters puts the query a hash names in place, or checks that a query
// sent with its hash has that hash.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	ext, ok := raw.Extensions["persistedQuery"]
	if !ok || ext == nil {
		return nil
	}
	if p.cache == nil {
		if raw.Query != "" {
			return nil
		}
		return codedError(CodePersistedQueryNotSupported, "PersistedQueryNotSupported")
	}
	hash, reason := persistedHash(ext)
	if reason != "" {
		return codedError(CodeBadRequest, "invalid extensions.persistedQuery: "+reason)
	}
	if raw.Query == "" {
		q, ok := p.cache.Get(ctx, hash)
		if !ok {
			// The message is the protocol's: older Apollo clients look for it, newer ones for the code.
			return codedError(CodePersistedQueryNotFound, "PersistedQueryNotFound")
		}
		raw.Query = q
		return nil
	}
	if sum := sha256.Sum256([]byte(raw.Query)); hex.EncodeToString(sum[:]) != hash {
		return codedError(CodeBadRequest, "invalid extensions.persistedQuery: sha256Hash is not the SHA-256 of the query")
	}
	return nil
}

// MutateOperationContext keeps the query of an operation that came with a hash, now that it
// passed every check. (A query that came as a hash is touched, keeping it recently used.)
func (p persistedQueries) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if p.cache == nil || len(rc.RawQuery) > MaxPersistedQueryBytes {
		return nil
	}
	ext, ok := rc.Extensions["persistedQuery"]
	if !ok || ext == nil {
		return nil
	}
	if hash, reason := persistedHash(ext); reason == "" {
		p.cache.Add(ctx, hash, rc.RawQuery)
	}
	return nil
}

// persistedHash returns the hash of an extensions.persistedQuery value, in lower case, or
// why the value is not {"version": 1, "sha256Hash": "<64 hex digits>"}.
func persistedHash(ext any) (hash, reason string) {
	m, ok := ext.(map[string]any)
	if !ok {
		return "", "want an object"
	}
	switch v := m["version"].(type) {
	case json.Number:
		ok = v.String() == "1"
	case float64:
		ok = v == 1
	case int64:
		ok = v == 1
	case int:
		ok = v == 1
	default:
		ok = false
	}
	if !ok {
		return "", "unsupported version: only version 1 is known"
	}
	hash, ok = m["sha256Hash"].(string)
	if !ok || len(hash) != 2*sha256.Size {
		return "", "sha256Hash must be 64 hexadecimal digits"
	}
	hash = strings.ToLower(hash)
	if _, err := hex.DecodeString(hash); err != nil {
		return "", "sha256Hash must be 64 hexadecimal digits"
	}
	return hash, ""
}

// codedError returns a GraphQL error with extensions.code.
func codedError(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}
