package lambdart

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// Lambda gives an execution environment MemorySize MB: a process that uses
// more is killed by the kernel, the invocation fails with
// Runtime.OutOfMemory ("Runtime exited with error: signal: killed") and the
// environment is gone. Here the limit is the bootstrap's peak resident memory
// (VmHWM in /proc/PID/status), read often while the environment runs (its
// init, its invocations); VmHWM is a high-water mark, so a spike between two
// reads is not missed. No cgroup or rlimit is used: cgroups need privileges
// the harness does not assume, and an address-space rlimit would stop Go's
// runtime, which reserves far more address space than it touches.

// memSampleEvery is how often a running environment's memory is read.
const memSampleEvery = 5 * time.Millisecond

// memoryEnforced reports whether this platform lets the harness read a
// process's peak memory (Linux /proc); elsewhere MemorySize is not a limit.
var memoryEnforced = sync.OnceValue(func() bool {
	_, ok := peakKB(os.Getpid())
	return ok
})

// peakKB is the process's peak resident memory in kB.
func peakKB(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb, err == nil && kb > 0
		}
	}
	return 0, false
}

// checkMemory reads the peak memory, keeps it for the REPORT line and kills
// the process when it went past MemorySize. It reports whether the
// environment ran out of memory (now or before).
func (e *env) checkMemory() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.oom {
		return true
	}
	kb, ok := peakKB(e.cmd.Process.Pid)
	if !ok {
		return false // gone, or no /proc: keep the last value seen
	}
	e.memMB = (kb + 1023) / 1024
	if !memoryEnforced() || kb <= e.f.cfg.MemoryMB*1024 {
		return false
	}
	e.oom = true
	proc.Kill(e.cmd)
	return true
}

// watchMemory checks the environment's memory until the returned stop is
// called (stop may be called again); stop checks once more, so a peak reached just before the runtime
// answered counts too, and reports whether the environment ran out of memory.
func (e *env) watchMemory() (stop func() bool) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(memSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if e.checkMemory() {
					return
				}
			case <-done:
				return
			case <-e.exited:
				return
			}
		}
	}()
	stopOnce := sync.OnceFunc(func() { close(done); <-finished })
	return func() bool {
		stopOnce()
		oom := e.checkMemory()
		if oom {
			<-e.exited
		}
		return oom
	}
}

// outOfMemory reports whether the harness killed the environment for using
// more than MemorySize.
func (e *env) outOfMemory() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.oom
}

// peakMemoryMB is the "Max Memory Used" of the REPORT line: the peak
// resident memory seen, and MemorySize itself when the limit was reached, as
// Lambda reports it.
func (e *env) peakMemoryMB() int {
	if e.checkMemory() {
		return e.f.cfg.MemoryMB
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return min(e.memMB, e.f.cfg.MemoryMB)
}
