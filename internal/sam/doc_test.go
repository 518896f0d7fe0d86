package sam

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/local-vs-aws.md from the support table")

// The doc is the table: it fails when they differ, and says how to regenerate.
func TestLocalVsAWSDoc(t *testing.T) {
	var b bytes.Buffer
	if err := WriteDoc(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", DocFile)
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Errorf("%s differs from the support table in internal/sam/support.go: run `go generate ./internal/sam` and commit the result", DocFile)
	}
}
