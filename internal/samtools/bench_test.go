package samtools

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func benchTools(b *testing.B) (*tools, string, []byte) {
	if err := Available(context.Background()); err != nil {
		b.Skip(err)
	}
	t, err := findTools(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	abs, err := filepath.Abs("testdata/valid.yaml")
	if err != nil {
		b.Fatal(err)
	}
	content, err := os.ReadFile(abs)
	if err != nil {
		b.Fatal(err)
	}
	return t, abs, content
}

// One Python run: cfn-lint and the translator, no cache.
func BenchmarkAnalyzeCold(b *testing.B) {
	t, abs, content := benchTools(b)
	opts := Options{}.withDefaults()
	for b.Loop() {
		if _, err := analyzeCached(context.Background(), t, "", abs, content, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// The answer read from the disk cache, as in a second `go test` run.
func BenchmarkAnalyzeDiskCache(b *testing.B) {
	t, abs, content := benchTools(b)
	dir := b.TempDir()
	opts := Options{}.withDefaults()
	if _, err := analyzeCached(context.Background(), t, dir, abs, content, opts); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := analyzeCached(context.Background(), t, dir, abs, content, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// Analyze in a process that has seen the template (memory cache).
func BenchmarkAnalyzeMemoryCache(b *testing.B) {
	benchTools(b)
	if _, err := Analyze(context.Background(), "testdata/valid.yaml", Options{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Analyze(context.Background(), "testdata/valid.yaml", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// findTools in a new process (the probes of this one forgotten each time):
// the probe run through python3 as found on PATH, or its answer from disk.
func BenchmarkFindToolsNewProcess(b *testing.B) {
	if err := Available(context.Background()); err != nil {
		b.Skip(err)
	}
	defer resetProbes()
	for _, bb := range []struct {
		name     string
		cacheDir string
	}{{"python", ""}, {"disk cache", b.TempDir()}} {
		b.Run(bb.name, func(b *testing.B) {
			resetProbes()
			if _, err := findTools(context.Background(), bb.cacheDir); err != nil { // fills the disk cache
				b.Fatal(err)
			}
			for b.Loop() {
				resetProbes()
				if _, err := findTools(context.Background(), bb.cacheDir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Available in a fresh process: one `python3 -c` probe.
func BenchmarkProbe(b *testing.B) {
	python, _ := findTools(context.Background(), "")
	if python == nil {
		b.Skip("no tools")
	}
	for b.Loop() {
		if _, err := runPython(context.Background(), python.python, "probe", nil, ""); err != nil {
			b.Fatal(err)
		}
	}
}
