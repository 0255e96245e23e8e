package playground

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// AssetsPrefix is the URL path under which the handler serves the embedded
// files; the page refers to them by absolute path below it.
const AssetsPrefix = "/playground/assets/"

// files holds the npm package files the page loads; see assets/README.md for
// where each one comes from.
//
//go:embed assets
var files embed.FS

// The embedded files the page uses, by path below assets/.
const (
	graphiqlJS     = "graphiql@4.1.2/graphiql.min.js"
	graphiqlCSS    = "graphiql@4.1.2/graphiql.min.css"
	reactJS        = "react@18.2.0/react.production.min.js"
	reactDOMJS     = "react-dom@18.2.0/react-dom.production.min.js"
	explorerJS     = "plugin-explorer@4.0.6/index.umd.js"
	explorerCSS    = "plugin-explorer@4.0.6/style.css"
	assetsRootName = "assets"
)

// asset is one embedded file as the page refers to it.
type asset struct {
	URL       string // absolute URL path, below AssetsPrefix
	Integrity string // subresource integrity hash, "sha256-..."
}

// assetsFS returns the embedded files rooted at the assets directory.
func assetsFS() fs.FS {
	sub, err := fs.Sub(files, assetsRootName)
	if err != nil {
		// fs.Sub fails only for an invalid directory name, which is a constant here.
		panic(fmt.Sprintf("playground: %v", err))
	}
	return sub
}

// lookup returns the URL and integrity hash of the embedded file name.
func lookup(fsys fs.FS, name string) (asset, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return asset{}, fmt.Errorf("playground: embedded asset %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	return asset{
		URL:       AssetsPrefix + name,
		Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
	}, nil
}

// contentType returns the Content-Type header of an embedded file by its
// extension, or "" for a file the page does not load (not served).
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return ""
}
