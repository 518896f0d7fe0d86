package samtools

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// The flight tests run in a synctest bubble: synctest.Wait returns only once
// every goroutine is blocked, so callers are provably waiting before a run is
// released or cancelled, whatever the machine's scheduling.

func TestFlightOneRunForConcurrentCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flight[int]
		var runs atomic.Int32
		release := make(chan struct{})
		fn := func(context.Context) (int, error) {
			runs.Add(1)
			<-release
			return 42, nil
		}
		var wg sync.WaitGroup
		got := make([]int, 8)
		for i := range got {
			wg.Go(func() { got[i], _ = f.do(context.Background(), "k", fn) })
		}
		synctest.Wait() // every caller is blocked: one in the run, the others waiting for it
		if n := runs.Load(); n != 1 {
			t.Errorf("%d runs under way for 8 callers, want 1", n)
		}
		close(release)
		wg.Wait()
		for i, v := range got {
			if v != 42 {
				t.Errorf("caller %d got %d, want 42 from the shared run", i, v)
			}
		}
		if v, _ := f.do(context.Background(), "k", fn); v != 42 || runs.Load() != 1 {
			t.Errorf("later call: %d after %d runs, want the kept 42 after 1 run", v, runs.Load())
		}
	})
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
	synctest.Test(t, func(t *testing.T) {
		var f flight[int]
		ctx, cancel := context.WithCancel(context.Background())
		firstDone := make(chan error, 1)
		go func() {
			_, err := f.do(ctx, "k", func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			})
			firstDone <- err
		}()
		synctest.Wait() // the first run is under way
		var waiterRuns atomic.Int32
		waiter := make(chan int, 1)
		go func() {
			v, _ := f.do(context.Background(), "k", func(context.Context) (int, error) {
				waiterRuns.Add(1)
				return 9, nil
			})
			waiter <- v
		}()
		synctest.Wait() // the waiter waits for the first run
		if n := waiterRuns.Load(); n != 0 {
			t.Errorf("the waiter ran its own function %d times while the first run was under way, want it to wait", n)
		}
		cancel()
		if err := <-firstDone; !errors.Is(err, context.Canceled) {
			t.Errorf("first caller: %v, want context.Canceled", err)
		}
		if v := <-waiter; v != 9 || waiterRuns.Load() != 1 {
			t.Errorf("waiter got %d after %d runs of its own, want 9 from one run", v, waiterRuns.Load())
		}
	})
}

// A waiter whose own context ends stops waiting; the run goes on for the others
// and its result is kept.
func TestFlightWaiterGivesUpOnItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flight[int]
		release := make(chan struct{})
		first := make(chan int, 1)
		go func() {
			v, _ := f.do(context.Background(), "k", func(context.Context) (int, error) {
				<-release
				return 5, nil
			})
			first <- v
		}()
		synctest.Wait() // the first run is under way
		ctx, cancel := context.WithCancel(context.Background())
		waiter := make(chan error, 1)
		go func() {
			_, err := f.do(ctx, "k", func(context.Context) (int, error) { return 6, nil })
			waiter <- err
		}()
		synctest.Wait() // the waiter waits for the first run
		cancel()
		synctest.Wait()
		select {
		case err := <-waiter:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("waiter whose context was cancelled: %v, want context.Canceled", err)
			}
		default:
			t.Errorf("the waiter still waits for the run after its own context was cancelled")
		}
		close(release)
		if v := <-first; v != 5 {
			t.Errorf("first caller got %d, want 5", v)
		}
		v, err := f.do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil })
		if v != 5 || err != nil {
			t.Errorf("later call = %d, %v; want the kept 5", v, err)
		}
	})
}
