package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Collide makes the next PutItem of function (its role session name) meet an
// item already stored under the same key, as if another writer had put it a
// moment before: the proxy first puts a copy of the item, with the attribute
// marker set to "stored-first", then forwards the function's PutItem. A
// conditional write (attribute_not_exists) then fails; an unconditional one
// silently replaces the copy, which a check sees by its missing marker.
func (p *Proxy) Collide(function, marker string) {
	p.collideMu.Lock()
	defer p.collideMu.Unlock()
	if p.collisions == nil {
		p.collisions = map[string]string{}
	}
	p.collisions[function] = marker
}

// collide puts the copy for an armed collision, once.
func (p *Proxy) collide(akid string, req Request, out *http.Request) error {
	if req.Operation != "PutItem" {
		return nil
	}
	p.mu.Lock()
	fn := p.ids[akid].Function
	p.mu.Unlock()
	p.collideMu.Lock()
	marker, armed := p.collisions[fn]
	delete(p.collisions, fn)
	p.collideMu.Unlock()
	if !armed {
		return nil
	}
	var in struct {
		TableName string
		Item      map[string]json.RawMessage
	}
	if err := json.Unmarshal(req.Body, &in); err != nil || in.Item == nil {
		return fmt.Errorf("collide: reading the PutItem: %v", err)
	}
	in.Item[marker] = json.RawMessage(`{"S":"stored-first"}`)
	body, _ := json.Marshal(in)
	first := out.Clone(out.Context())
	first.URL = p.backend.JoinPath("/")
	first.Host, first.RequestURI = p.backend.Host, ""
	first.Body, first.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	first.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp, err := p.rp.Transport.RoundTrip(first)
	if err != nil {
		return fmt.Errorf("collide: putting the first copy: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("collide: putting the first copy: %s %s", resp.Status, b)
	}
	p.logf("IAM proxy: an item with the key of this PutItem of %s was stored just before it (collide)", fn)
	return nil
}
