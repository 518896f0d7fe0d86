package samtools

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestFlightOneRunForConcurrentCallers(t *testing.T) {
	var f flight[int]
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	fn := func(context.Context) (int, error) {
		if runs.Add(1) == 1 {
			close(started)
		}
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 8)
	wg.Go(func() { got[0], _ = f.do(context.Background(), "k", fn) })
	<-started // the others arrive while the first run is under way
	for i := 1; i < len(got); i++ {
		wg.Go(func() { got[i], _ = f.do(context.Background(), "k", fn) })
	}
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
	for i, v := range got {
		if v != 42 {
			t.Errorf("caller %d got %d, want 42", i, v)
		}
	}
	if v, _ := f.do(context.Background(), "k", fn); v != 42 || runs.Load() != 1 {
		t.Errorf("later call: %d after %d runs, want the kept 42 after 1 run", v, runs.Load())
	}
}

func TestFlightErrorsAreNotKept(t *testing.T) {
	var f flight[int]
	boom := errors.New("boom")
	if _, err := f.do(context.Background(), "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	v, err := f.do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Errorf("second call = %d, %v; want a new run giving 7", v, err)
	}
}

// A waiter whose own context is fine does not inherit the first caller's cancellation.
func TestFlightWaiterRetriesAfterOthersCancel(t *testing.T) {
	var f flight[int]
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	firstDone := make(chan error)
	go func() {
		_, err := f.do(ctx, "k", func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		firstDone <- err
	}()
	<-started
	waiter := make(chan int)
	go func() {
		v, _ := f.do(context.Background(), "k", func(context.Context) (int, error) { return 9, nil })
		waiter <- v
	}()
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v, want context.Canceled", err)
	}
	if v := <-waiter; v != 9 {
		t.Errorf("waiter got %d, want 9 from its own run", v)
	}
}
