package apigw

import (
	"bytes"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Go's HTTP server hands a handler header names in canonical form
// (x-api-key becomes X-Api-Key) and answers some requests itself, in plain
// text. API Gateway passes names as the client sent them and answers in its
// own JSON. Listen wraps the API's listener: it reads each HTTP/1.x request
// head as it arrives, keeps the header lines as sent for the handler, and
// makes requests Go would refuse (a path with invalid percent-encoding,
// OPTIONS *) reach the handler, which answers as API Gateway.

// header is one header line as the client sent it.
type header struct{ name, value string }

// rawRequest is a request head as sent.
type rawRequest struct {
	method, target string // target: the request-target, e.g. /items/a%20b?x=1
	headers        []header
	badEncoding    bool // the path has a % not followed by two hex digits
	found          bool // read off the wire (else rebuilt from the http.Request)
}

// maxHead bounds a request head the wrapper keeps (Go's own default limit).
const maxHead = http.DefaultMaxHeaderBytes + 4096

// Listen returns ln with the connections' request heads kept for the API
// served on it (use it for the http.Server of New's handler).
func Listen(ln net.Listener) net.Listener { return &listener{Listener: ln} }

type listener struct{ net.Listener }

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &conn{Conn: c, key: connKey(c.LocalAddr().String(), c.RemoteAddr().String())}
	conns.Store(tc.key, tc)
	return tc, nil
}

// conns finds a request's connection by its local and remote addresses,
// which the handler has too.
var conns sync.Map // key -> *conn

func connKey(local, remote string) string { return local + " " + remote }

type conn struct {
	net.Conn
	key string

	out  []byte // bytes for the server, rewritten where needed
	head []byte // the request head being read
	// after a head: body bytes to pass through as they are; chunked bodies
	// are followed line by line.
	bodyLeft int64
	chunked  bool
	chunk    []byte // a chunk-size or trailer line being read
	inChunk  int64  // bytes of chunk data (and its CRLF) left
	trailers bool
	passthru bool // gave up following the stream (a head too large, an upgrade)

	mu    sync.Mutex
	heads []rawRequest // heads read, not yet taken by the handler
}

func (c *conn) Close() error {
	conns.Delete(c.key)
	return c.Conn.Close()
}

func (c *conn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		buf := make([]byte, max(len(p), 4096))
		n, err := c.Conn.Read(buf)
		c.feed(buf[:n])
		if len(c.out) == 0 && err != nil {
			if len(c.head) > 0 { // the rest of a head that will never end
				c.out, c.head = c.head, nil
				continue
			}
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// feed follows the HTTP/1.x stream: heads are parsed (and rewritten when
// Go would refuse them), bodies passed through.
func (c *conn) feed(b []byte) {
	for len(b) > 0 {
		switch {
		case c.passthru:
			c.out = append(c.out, b...)
			return
		case c.bodyLeft > 0:
			n := min(int64(len(b)), c.bodyLeft)
			c.out = append(c.out, b[:n]...)
			c.bodyLeft -= n
			b = b[n:]
		case c.chunked:
			b = c.feedChunked(b)
		default:
			b = c.feedHead(b)
		}
	}
}

func (c *conn) feedHead(b []byte) []byte {
	// Empty lines between requests are allowed (RFC 9112 2.2).
	if len(c.head) == 0 {
		for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
			c.out = append(c.out, b[0])
			b = b[1:]
		}
		if len(b) == 0 {
			return nil
		}
	}
	start := max(0, len(c.head)-3)
	c.head = append(c.head, b...)
	end := bytes.Index(c.head[start:], []byte("\r\n\r\n"))
	sep := 4
	if lf := bytes.Index(c.head[start:], []byte("\n\n")); lf >= 0 && (end < 0 || lf < end) {
		end, sep = lf, 2
	}
	if end < 0 {
		if len(c.head) > maxHead {
			c.out, c.head, c.passthru = append(c.out, c.head...), nil, true
		}
		return nil
	}
	end += start + sep
	rest := c.head[end:]
	head := c.head[:end]
	c.head = nil
	req, rewritten, length, chunked, ok := parseHead(head)
	if !ok { // not a request we follow: let Go answer it, stop following
		c.out = append(c.out, head...)
		c.passthru = true
		return rest
	}
	c.mu.Lock()
	c.heads = append(c.heads, req)
	c.mu.Unlock()
	c.out = append(c.out, rewritten...)
	c.bodyLeft, c.chunked = length, chunked
	return slices.Clone(rest)
}

// feedChunked passes a chunked body through, following its framing.
func (c *conn) feedChunked(b []byte) []byte {
	for len(b) > 0 {
		if c.inChunk > 0 {
			n := min(int64(len(b)), c.inChunk)
			c.out = append(c.out, b[:n]...)
			c.inChunk -= n
			b = b[n:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.chunk = append(c.chunk, b...)
			c.out = append(c.out, b...)
			if len(c.chunk) > 4096 {
				c.passthru = true
			}
			return nil
		}
		line := string(append(c.chunk, b[:i]...))
		c.out = append(c.out, b[:i+1]...)
		b = b[i+1:]
		c.chunk = nil
		line = strings.TrimSpace(line)
		if c.trailers {
			if line == "" { // end of the body
				c.chunked, c.trailers = false, false
				return b
			}
			continue
		}
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 {
			c.passthru = true // Go will refuse the body; stop following
			c.out = append(c.out, b...)
			return nil
		}
		if size == 0 {
			c.trailers = true
			continue
		}
		c.inChunk = size + 2 // data and its CRLF
	}
	return nil
}

// parseHead reads a request head. It returns the head to give the server:
// the same bytes, or with the request-target rewritten so that the request
// reaches the handler (invalid percent-encoding escaped, * as /*).
func parseHead(head []byte) (req rawRequest, rewritten []byte, length int64, chunked, ok bool) {
	text := string(head)
	lines := strings.Split(strings.TrimRight(text, "\r\n"), "\n")
	first := strings.TrimSuffix(lines[0], "\r")
	parts := strings.Split(first, " ")
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return req, nil, 0, false, false
	}
	req = rawRequest{method: parts[0], target: parts[1], found: true}
	for _, l := range lines[1:] {
		l = strings.TrimSuffix(l, "\r")
		name, value, found := strings.Cut(l, ":")
		if !found || name == "" || strings.ContainsAny(name, " \t") {
			return req, nil, 0, false, false // Go refuses it; its 400 will do
		}
		value = strings.Trim(value, " \t")
		req.headers = append(req.headers, header{name, value})
		switch strings.ToLower(name) {
		case "content-length":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return req, nil, 0, false, false
			}
			length = n
		case "transfer-encoding":
			chunked = strings.EqualFold(strings.TrimSpace(value), "chunked")
		case "upgrade":
			return req, nil, 0, false, false
		}
	}
	if chunked {
		length = 0
	}
	if req.method == "CONNECT" {
		return req, nil, 0, false, false
	}
	target := req.target
	switch {
	case target == "*":
		target = "/*"
	case strings.HasPrefix(target, "/"):
		path, query, hasQuery := strings.Cut(target, "?")
		if fixed, bad := escapeBadPercents(path); bad {
			req.badEncoding = true
			target = fixed
			if hasQuery {
				target += "?" + query
			}
		}
	}
	if target == req.target {
		return req, head, length, chunked, true
	}
	rewritten = []byte(parts[0] + " " + target + " " + parts[2] + text[len(lines[0]):])
	return req, rewritten, length, chunked, true
}

// escapeBadPercents escapes each % not followed by two hex digits.
func escapeBadPercents(p string) (string, bool) {
	var b strings.Builder
	bad := false
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && (i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2])) {
			b.WriteString("%25")
			bad = true
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String(), bad
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// takeRaw returns the request's head as sent: from its connection when
// served through Listen, else rebuilt from r (header map keys taken as the
// names sent, which lets in-process callers set r.Header["x-api-key"]).
func takeRaw(r *http.Request) rawRequest {
	if r.ProtoMajor == 1 {
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if v, ok := conns.Load(connKey(local.String(), r.RemoteAddr)); ok {
				c := v.(*conn)
				c.mu.Lock()
				var req rawRequest
				if len(c.heads) > 0 {
					req, c.heads = c.heads[0], c.heads[1:]
				}
				c.mu.Unlock()
				if req.found && req.method == r.Method {
					return req
				}
			}
		}
	}
	req := rawRequest{method: r.Method, target: r.RequestURI}
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		name := k
		if r.ProtoMajor >= 2 { // HTTP/2 and 3 send names in lower case
			name = strings.ToLower(k)
		}
		for _, v := range r.Header[k] {
			req.headers = append(req.headers, header{name, v})
		}
	}
	if r.Host != "" && r.Header.Get("Host") == "" {
		name := "Host"
		if r.ProtoMajor >= 2 {
			name = "host"
		}
		req.headers = append([]header{{name, r.Host}}, req.headers...)
	}
	return req
}

// requestPath is the path as the client sent it, still percent-encoded ("*"
// for OPTIONS *).
func requestPath(r *http.Request, raw rawRequest) string {
	target := raw.target
	if target == "" {
		target = r.RequestURI
	}
	if target == "*" {
		return "*"
	}
	if !strings.HasPrefix(target, "/") { // absolute form, or no RequestURI
		return r.URL.EscapedPath()
	}
	path, _, _ := strings.Cut(target, "?")
	return path
}
