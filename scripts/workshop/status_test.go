package main

import (
	"encoding/json"
	"testing"
)

// On a fresh clone every step is untouched, and -json's fields say so.
func TestStateOfUntouched(t *testing.T) {
	root, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	st, err := stateOf(root, m.Steps[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st)
	if want := `{"step":"01-hello-api","title":"` + m.Steps[0].Title + `","state":"untouched"}`; string(b) != want {
		t.Errorf("status -json of a fresh step 01: %s, want %s", b, want)
	}
}
