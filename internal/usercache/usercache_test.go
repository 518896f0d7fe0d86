package usercache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestPutAndKeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	base := time.Now().Add(-time.Hour)
	for i := range 5 {
		name := fmt.Sprintf("%d.json", i)
		if err := Put(dir, name, []byte(name)); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute) // 4 is the newest
		if err := os.Chtimes(filepath.Join(dir, name), at, at); err != nil {
			t.Fatal(err)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "3.json")); err != nil || string(data) != "3.json" {
		t.Fatalf("Put wrote %q, %v; want its data", data, err)
	}
	tests := []struct {
		keep int
		want []string
	}{
		{10, []string{"0.json", "1.json", "2.json", "3.json", "4.json"}},
		{3, []string{"2.json", "3.json", "4.json"}},
		{1, []string{"4.json"}},
	}
	for _, tt := range tests {
		Keep(dir, tt.keep)
		entries, _ := os.ReadDir(dir)
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Keep(%d) left %v, want %v (the newest, and no temporary file)", tt.keep, got, tt.want)
		}
	}
}
