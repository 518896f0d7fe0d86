package main

import (
	"fmt"
	"testing"
	"time"
)

// Lines arrive in pieces from several writers; each SDK warning line counts once.
func TestWarnCounter(t *testing.T) {
	var w warnCounter
	for _, piece := range []string{
		"START RequestId: 1\nSDK 2026/11/29 17:02:59 WARN failed to dis",
		"card remaining HTTP response body\nSDK 2026/11/29 17:02:59 WARN failed to close HTTP response body: response did not match expected checksum, 7, 0\n",
		"END RequestId: 1\nREPORT RequestId: 1\tDuration: 2.82 ms\n",
		"partial line with checksum but no newline yet",
	} {
		if _, err := w.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.count(); got != 2 {
		t.Errorf("count = %d, want 2 (the unfinished line is not counted yet)", got)
	}
	if _, err := w.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if got := w.count(); got != 3 {
		t.Errorf("count = %d after the line ends, want 3", got)
	}
}

func TestPercentiles(t *testing.T) {
	s := &stats{}
	for i := 100; i >= 1; i-- {
		s.add(result{took: time.Duration(i) * time.Millisecond})
	}
	s.add(result{took: time.Millisecond, err: fmt.Errorf("502")})
	for _, tt := range []struct {
		p    int
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := s.pct(tt.p); got != tt.want {
			t.Errorf("p%d = %s, want %s", tt.p, got, tt.want)
		}
	}
	if s.errs != 1 {
		t.Errorf("errors = %d, want 1", s.errs)
	}
}

func TestWindows(t *testing.T) {
	s := &stats{}
	for w := range 3 {
		for i := 1; i <= 100; i++ {
			d := time.Duration(i) * time.Millisecond
			if w == 1 && i >= 99 {
				d = time.Second // two stalls in the second window: its p99
			}
			s.add(result{took: d})
		}
	}
	lo, hi, ok := s.windows(100)
	if !ok || lo != 99.0/50 || hi != 1000.0/50 {
		t.Errorf("windows = %v, %v, %v; want 1.98, 20, true", lo, hi, ok)
	}
	if _, _, ok := s.windows(200); ok {
		t.Error("windows(200) of 300 requests: ok, want false (one window only)")
	}
}
