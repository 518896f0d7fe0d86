package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Collide makes the next PutItem of function (its role session name), or the
// first Put of its next TransactWriteItems, meet an item already stored under
// the same key, as if another writer had put it a
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
	if req.Operation != "PutItem" && req.Operation != "TransactWriteItems" {
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
	if req.Operation == "PutItem" {
		if err := json.Unmarshal(req.Body, &in); err != nil {
			return fmt.Errorf("collide: reading the PutItem: %w", err)
		}
	} else {
		var tx struct {
			TransactItems []struct {
				Put *struct {
					TableName string
					Item      map[string]json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(req.Body, &tx); err != nil {
			return fmt.Errorf("collide: reading the TransactWriteItems: %w", err)
		}
		for _, t := range tx.TransactItems {
			if t.Put != nil {
				in.TableName, in.Item = t.Put.TableName, t.Put.Item
				break
			}
		}
	}
	if in.Item == nil {
		return fmt.Errorf("collide: the %s of %s puts no item", req.Operation, fn)
	}
	in.Item[marker] = json.RawMessage(`{"S":"stored-first"}`)
	body, _ := json.Marshal(in)
	first := out.Clone(out.Context())
	first.URL = p.backend.JoinPath("/")
	first.Host, first.RequestURI = p.backend.Host, ""
	first.Body, first.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	first.Header.Set("Content-Length", strconv.Itoa(len(body)))
	first.Header.Set("X-Amz-Target", targetPrefix+"PutItem")
	resp, err := p.rp.Transport.RoundTrip(first)
	if err != nil {
		return fmt.Errorf("collide: putting the first copy: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("collide: putting the first copy: %s %s", resp.Status, b)
	}
	p.logf("IAM proxy: an item with the key of this %s of %s was stored just before it (collide)", req.Operation, fn)
	return nil
}
