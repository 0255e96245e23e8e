package playground

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"
)

// ContentSecurityPolicy is the Content-Security-Policy header sent with the
// page: scripts, styles and connections may only go to the server itself (the
// page's own inline script and styles aside), so a browser refuses any CDN.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self' 'unsafe-inline'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; " +
	"connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Option configures New.
type Option func(*config)

type config struct {
	title      string
	explorer   bool
	stateInURL bool
}

// WithTitle sets the page title (default "eventgraph").
func WithTitle(title string) Option {
	return func(c *config) { c.title = title }
}

// WithExplorer turns GraphiQL's explorer plugin on or off (default on).
func WithExplorer(enable bool) Option {
	return func(c *config) { c.explorer = enable }
}

// WithStateInURL turns on or off keeping the query, variables and headers in
// the page's URL (default on), so /?query=... opens with that query and a
// link shares what the editor holds.
func WithStateInURL(enable bool) Option {
	return func(c *config) { c.stateInURL = enable }
}

// Handler serves the GraphiQL page at "/" and its embedded assets below
// AssetsPrefix. Any other path is 404 Not Found, so it can be mounted at "/"
// of a mux, below more specific routes.
type Handler struct {
	page   []byte
	assets fs.FS
}

// New returns a Handler whose page talks to the GraphQL endpoint: a path such
// as "/graphql" (queries and mutations go to it over HTTP, subscriptions over
// a WebSocket to the same path on the page's host) or an absolute http(s) URL.
func New(endpoint string, opts ...Option) (*Handler, error) {
	if endpoint == "" {
		return nil, errors.New("playground: empty endpoint")
	}
	c := config{title: "eventgraph", explorer: true, stateInURL: true}
	for _, opt := range opts {
		opt(&c)
	}
	fsys := assetsFS()
	var a [6]asset
	for i, name := range []string{graphiqlJS, graphiqlCSS, reactJS, reactDOMJS, explorerJS, explorerCSS} {
		var err error
		if a[i], err = lookup(fsys, name); err != nil {
			return nil, err
		}
	}
	render := gqlplayground.Handler(c.title, endpoint,
		gqlplayground.WithGraphiqlVersion(a[0].URL, a[1].URL, a[0].Integrity, a[1].Integrity),
		gqlplayground.WithGraphiqlReactVersion(a[2].URL, a[3].URL, a[2].Integrity, a[3].Integrity),
		gqlplayground.WithGraphiqlPluginExplorerVersion(a[4].URL, a[5].URL, a[4].Integrity, a[5].Integrity),
		gqlplayground.WithGraphiqlEnablePluginExplorer(c.explorer),
		gqlplayground.WithGraphiqlPersistStateInURL(c.stateInURL),
		gqlplayground.WithStoragePrefix("eventgraph:"),
	)
	page, err := renderPage(render)
	if err != nil {
		return nil, err
	}
	if page, err = editPage(page, c.stateInURL); err != nil {
		return nil, err
	}
	return &Handler{page: page, assets: fsys}, nil
}

// Edits of gqlgen's page (see editPage).
const (
	headersToURL = `function onEditHeaders(headers) {
        parameters.headers = headers;
        updateURL();
      }`
	headersNotToURL = `function onEditHeaders() {
        // eventgraph: the Headers tab (a bearer token) stays out of the URL and the history.
      }`
	headersPersisted    = `shouldPersistHeaders: true,`
	headersNotPersisted = `shouldPersistHeaders: false,`
)

// editPage edits gqlgen's page so that what a user types in GraphiQL's Headers
// tab, typically "Authorization: Bearer <token>", is kept neither in the page's URL (gqlgen
// copies it there with the query and variables, so a token went into the browser's history
// and into every link copied from the address bar) nor in the browser's local storage.
// A link the user makes with ?headers= still opens with those headers. It fails if
// gqlgen's page no longer holds the code it edits, so that an upgrade cannot drop the edit
// unnoticed.
func editPage(page []byte, stateInURL bool) ([]byte, error) {
	// And an empty icon, so that a browser does not ask for /favicon.ico, which is 404.
	edits := [][2]string{{headersPersisted, headersNotPersisted}, {"</head>", `  <link rel="icon" href="data:,">` + "\n  </head>"}}
	if stateInURL {
		edits = append(edits, [2]string{headersToURL, headersNotToURL})
	}
	for _, e := range edits {
		if bytes.Count(page, []byte(e[0])) != 1 {
			return nil, fmt.Errorf("playground: gqlgen's page has changed: %q not found once", e[0])
		}
		page = bytes.Replace(page, []byte(e[0]), []byte(e[1]), 1)
	}
	return page, nil
}

// ServeHTTP serves the page or one of its assets.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case r.URL.Path == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(r.URL.Path, AssetsPrefix):
		h.serveAsset(w, r, strings.TrimPrefix(r.URL.Path, AssetsPrefix))
	default:
		http.NotFound(w, r)
	}
}

// serveAsset serves the embedded file name, a path below assets/.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	ct := contentType(name)
	if ct == "" || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(h.assets, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	// The paths carry the package versions, so a file never changes under its URL.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// renderPage runs gqlgen's page handler once and returns the HTML it writes.
func renderPage(render http.HandlerFunc) (page []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("playground: render page: %v", v)
		}
	}()
	var rec pageRecorder
	req, err := http.NewRequest(http.MethodGet, "/", nil)
	if err != nil {
		return nil, fmt.Errorf("playground: render page: %w", err)
	}
	render(&rec, req)
	return rec.body.Bytes(), nil
}

// pageRecorder is the http.ResponseWriter renderPage captures the page with.
type pageRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header {
	if p.header == nil {
		p.header = make(http.Header)
	}
	return p.header
}

func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }

func (p *pageRecorder) WriteHeader(int) {}
