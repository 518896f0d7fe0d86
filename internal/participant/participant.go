// Package participant holds a learner's name in a room that shares one AWS
// account: set once, it becomes the templates' Prefix parameter (so function
// and table names differ between participants) and each step's stack name.
//
// The name comes from the environment variable WORKSHOP_PARTICIPANT, else from
// the file .workshop-participant at the repository root, which
// `go run ./scripts/workshop name NAME` writes. That command also writes a
// samconfig.toml into each step and solution folder, so `sam deploy`,
// `sam logs` and `sam delete` use the learner's stack and Prefix.
package participant

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

const (
	// EnvVar overrides the file.
	EnvVar = "WORKSHOP_PARTICIPANT"
	// File is at the repository root, ignored by git.
	File = ".workshop-participant"
	// TemplateDefault is the templates' Prefix default: a room where two
	// people keep it collides, so it is not accepted as a name.
	TemplateDefault = "dva-hello"
	// MaxLen leaves room for the longest physical name the templates build
	// from Prefix (${Prefix}-HelloFunction within Lambda's 64 characters) and
	// for a suffix a learner adds; the stack <name>-dva-NN stays far below
	// CloudFormation's 128. TestNoCollision checks the names at this length.
	MaxLen = 32
	// ConfigFile is what `sam deploy` reads in the step's folder.
	ConfigFile = "samconfig.toml"
	// configMarker starts the samconfig.toml files this package writes: a
	// file without it is the learner's own (from sam deploy --guided) and is kept.
	configMarker = "# Written by: go run ./scripts/workshop name"
)

var valid = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Validate says what is wrong with a name, in words a learner can act on.
func Validate(name string) error {
	hint := "for example: go run ./scripts/workshop name alice-smith"
	switch {
	case name == "":
		return fmt.Errorf("the name is empty; %s", hint)
	case len(name) < 2:
		return fmt.Errorf("the name %q is too short: give at least 2 characters; %s", name, hint)
	case len(name) > MaxLen:
		return fmt.Errorf("the name %q has %d characters, at most %d fit in the names of your function and stack; shorten it", name, len(name), MaxLen)
	case !valid.MatchString(name):
		return fmt.Errorf("the name %q may hold only lower-case letters a-z, digits and hyphens, and must start with a letter (stack names must); %s", name, hint)
	case strings.HasSuffix(name, "-") || strings.Contains(name, "--"):
		return fmt.Errorf("the name %q ends with a hyphen or has two in a row; %s", name, hint)
	case name == TemplateDefault:
		return fmt.Errorf("%q is the templates' default Prefix: everyone who sets no name gets it, so your stack would collide with theirs; choose your own name", name)
	}
	return nil
}

// Get returns the participant name and where it came from ("WORKSHOP_PARTICIPANT"
// or the file's path); "" and no error when none is set.
func Get(root string) (name, source string, err error) {
	if v, ok := os.LookupEnv(EnvVar); ok && v != "" {
		if err := Validate(v); err != nil {
			return "", EnvVar, fmt.Errorf("%s=%s: %w", EnvVar, v, err)
		}
		return v, EnvVar, nil
	}
	path := filepath.Join(root, File)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", path, fmt.Errorf("reading your participant name: %w", err)
	}
	v := strings.TrimSpace(string(data))
	if err := Validate(v); err != nil {
		return "", File, fmt.Errorf("%s: %w (set it again with go run ./scripts/workshop name NAME)", File, err)
	}
	return v, File, nil
}

// Save writes the name to the file at the repository root.
func Save(root, name string) error {
	if err := Validate(name); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, File), []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("saving your participant name: %w", err)
	}
	return nil
}

// StackName is the participant's stack for a step number ("01").
func StackName(name, step string) string {
	return name + "-dva-" + step
}

// SAMConfig is the samconfig.toml of a participant's step: stack and Prefix
// set, CAPABILITY_IAM acknowledged (the templates create execution roles),
// SAM's managed bucket for the code, the region left to the learner's AWS
// profile, and the change set shown before it runs.
func SAMConfig(name, step string) []byte {
	stack := StackName(name, step)
	return fmt.Appendf(nil, `%s %s
# Your stack and Prefix for this step: sam deploy, sam logs and sam delete
# read them. The region is your AWS profile's (aws configure, or AWS_REGION).
# Run the command again to change the name.
version = 0.1

[default.global.parameters]
stack_name = %q

[default.deploy.parameters]
parameter_overrides = "Prefix=%s"
capabilities = "CAPABILITY_IAM"
resolve_s3 = true
s3_prefix = %q
confirm_changeset = true
`, configMarker, name, stack, name, stack)
}

// WriteResult says what WriteSAMConfig did.
type WriteResult int

const (
	Written WriteResult = iota // new or replaced our own
	Unchanged
	KeptLearners // a samconfig.toml the learner wrote (sam deploy --guided) is left alone
)

// WriteSAMConfig writes the step's samconfig.toml into dir, unless dir holds
// one this package did not write.
func WriteSAMConfig(dir, name, step string) (WriteResult, error) {
	path := filepath.Join(dir, ConfigFile)
	want := SAMConfig(name, step)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(old) == string(want):
		return Unchanged, nil
	case err == nil && !strings.HasPrefix(string(old), configMarker):
		return KeptLearners, nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := os.WriteFile(path, want, 0o644); err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return Written, nil
}
