package checks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
)

// hostBuilds builds each function's code once per run of the checks: the
// scripts run in parallel and each deploys the step, and as many builds of
// the same code at the same moment would only compete for the CPU (after an
// edit, no cache has it yet). Every script of the run gets the same
// bootstrap, which stays in dir until the run ends.
type hostBuilds struct {
	ctx    context.Context // the run's: a build outlives the script that asked first
	cancel context.CancelFunc
	dir    string

	mu     sync.Mutex
	builds map[string]*hostBuild // by CodeUri directory
}

// buildHost builds for this machine; tests replace it.
var buildHost = gobuild.BuildHost

type hostBuild struct {
	done chan struct{} // closed once bin and err are set
	bin  string
	err  error
}

// build is stack.Options.Build: outDir is ignored, the build is the run's.
func (b *hostBuilds) build(ctx context.Context, codeDir, _ string) (string, error) {
	b.mu.Lock()
	hb, ok := b.builds[codeDir]
	if !ok {
		hb = &hostBuild{done: make(chan struct{})}
		b.builds[codeDir] = hb
		out := filepath.Join(b.dir, strconv.Itoa(len(b.builds)))
		go func() {
			defer close(hb.done)
			hb.bin, hb.err = buildHost(b.ctx, codeDir, out)
		}()
	}
	b.mu.Unlock()
	select {
	case <-hb.done:
		return hb.bin, hb.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// prebuilt makes bin the build of codeDir for this run: it is put in place
// as that function's bootstrap, as a build would be, and nothing is built.
func (b *hostBuilds) prebuilt(codeDir, bin string) {
	hb := &hostBuild{done: make(chan struct{})}
	b.mu.Lock()
	b.builds[codeDir] = hb
	out := filepath.Join(b.dir, strconv.Itoa(len(b.builds)))
	b.mu.Unlock()
	hb.bin, hb.err = gobuild.Use(bin, out)
	close(hb.done)
}

// newHostBuilds starts a run's builds; close ends them.
func newHostBuilds(deadline time.Time) (*hostBuilds, error) {
	dir, err := os.MkdirTemp("", "workshop-checks-build-")
	if err != nil {
		return nil, fmt.Errorf("creating a build directory: %w", err)
	}
	ctx, cancel := scriptContext(deadline)
	return &hostBuilds{ctx: ctx, cancel: cancel, dir: dir, builds: map[string]*hostBuild{}}, nil
}

// close stops the builds still running, once no script waits for them, and
// removes their bootstraps.
func (b *hostBuilds) close() {
	b.cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, hb := range b.builds {
		<-hb.done
	}
	os.RemoveAll(b.dir)
}
