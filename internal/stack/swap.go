package stack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/lambdart"
)

// Function returns the running version of a function, by logical id.
func (s *Stack) Function(id string) (*lambdart.Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.Functions[id]
	return f, ok
}

// Swap builds the function's code again and puts the new bootstrap in place
// of the running one, as a code-only `sam deploy` does: the next invocation
// is a cold start of the new code, while the invocations in flight finish on
// the old version, whose environments then stop. When the code does not
// compile, the running version stays and the error (a *gobuild.CompileError)
// says why. It returns how long the build took.
func (s *Stack) Swap(ctx context.Context, id string) (time.Duration, error) {
	var codeDir string
	for _, fn := range s.App.Functions {
		if fn.ID == id {
			codeDir = fn.CodeDir
		}
	}
	s.mu.Lock()
	cfg, ok := s.configs[id]
	s.builds++
	outDir := filepath.Join(s.buildDir, fmt.Sprintf("%s.%d", id, s.builds))
	s.mu.Unlock()
	if !ok || codeDir == "" {
		return 0, fmt.Errorf("swap: the stack has no function %s (functions: %v)", id, slices.Sorted(maps.Keys(s.configs)))
	}
	start := time.Now()
	// Its own directory: the old version's environments keep their file.
	bin, err := s.build(ctx, codeDir, outDir)
	took := time.Since(start)
	if err != nil {
		return took, err
	}
	cfg.Bootstrap = bin
	f, err := lambdart.Start(cfg)
	if err != nil {
		return took, fmt.Errorf("resource %s: %w", id, err)
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return took, errors.New("swap: the stack is stopping")
	}
	old := s.Functions[id]
	s.Functions[id] = f
	if s.IAM != nil {
		s.IAM.LogTo(s.Env.Refs[id], f.Note) // the new version's invocations get DynamoDB's errors
	}
	s.configs[id] = cfg
	s.retired = append(s.retired, old)
	s.mu.Unlock()
	// No new invocation reaches old; it stops once those it has finish.
	go func() {
		old.Close()
		s.mu.Lock()
		s.retired = slices.DeleteFunc(s.retired, func(r *lambdart.Function) bool { return r == old })
		s.mu.Unlock()
	}()
	return took, nil
}

// SwapAll swaps every function of the stack (they may share code), and
// returns the ids swapped and the total build time.
func (s *Stack) SwapAll(ctx context.Context) ([]string, time.Duration, error) {
	var ids []string
	var total time.Duration
	for _, fn := range s.App.Functions {
		took, err := s.Swap(ctx, fn.ID)
		total += took
		if err != nil {
			return ids, total, err
		}
		ids = append(ids, fn.ID)
	}
	return ids, total, nil
}

// CodeDirs lists the functions' CodeUri directories: what a watcher watches
// besides the template.
func (s *Stack) CodeDirs() []string {
	var dirs []string
	for _, fn := range s.App.Functions {
		if !slices.Contains(dirs, fn.CodeDir) {
			dirs = append(dirs, fn.CodeDir)
		}
	}
	return dirs
}

// TemplateChanges compares the template on disk with the deployed one. It
// returns nil when they differ only in comments or layout (nothing to
// redeploy), else the top-level sections and resources that differ: those
// need a new deployment, which a code swap does not make. A template that no
// longer loads is an error.
func (s *Stack) TemplateChanges() ([]string, error) {
	app, _, err := Load(s.dir, s.dep)
	if err != nil {
		return nil, err
	}
	old, cur := s.App.Template.Doc, app.Template.Doc
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(union(old, cur))) {
		if k == "Resources" {
			or, _ := old[k].(map[string]any)
			nr, _ := cur[k].(map[string]any)
			for _, id := range slices.Sorted(maps.Keys(union(or, nr))) {
				if !reflect.DeepEqual(or[id], nr[id]) {
					changed = append(changed, "resource "+id)
				}
			}
			continue
		}
		if !reflect.DeepEqual(old[k], cur[k]) {
			changed = append(changed, k)
		}
	}
	return changed, nil
}

func union(a, b map[string]any) map[string]any {
	m := maps.Clone(a)
	if m == nil {
		m = map[string]any{}
	}
	maps.Copy(m, b)
	return m
}
