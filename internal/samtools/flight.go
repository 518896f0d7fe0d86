package samtools

import (
	"context"
	"errors"
	"sync"
)

// flight runs a function once per key and keeps its result for the life of
// the process; concurrent callers for the same key wait for that one run.
// Errors are not kept: the next caller tries again.
type flight[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func (f *flight[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = make(map[string]*call[T])
		}
		c, ok := f.calls[key]
		if !ok {
			c = &call[T]{done: make(chan struct{})}
			f.calls[key] = c
			f.mu.Unlock()
			f.run(ctx, key, c, fn)
			return c.val, c.err
		}
		f.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		// The run was cancelled by its own caller's context, not ours: try again.
		if c.err != nil && ctx.Err() == nil &&
			(errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) {
			continue
		}
		return c.val, c.err
	}
}

func (f *flight[T]) run(ctx context.Context, key string, c *call[T], fn func(context.Context) (T, error)) {
	defer close(c.done)
	c.val, c.err = fn(ctx)
	if c.err != nil {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
	}
}
