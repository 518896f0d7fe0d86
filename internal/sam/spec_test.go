package sam

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// specProperties prints, as JSON, the properties the SAM specification
// (aws-sam-translator's schema models) and CloudFormation's resource schema
// (shipped by cfn-lint) define, by support-table section.
const specProperties = `
import importlib.util, json, os
from samtranslator.internal.schema_source import aws_serverless_function as f, aws_serverless_api as a, aws_serverless_httpapi as h, aws_serverless_simpletable as s
# cfn-lint's resource schemas, found without importing cfn-lint (slow): the
# us-east-1 provider module maps each type to its schema file.
schemas = os.path.join(importlib.util.find_spec("cfnlint").submodule_search_locations[0], "data", "schemas")
spec = importlib.util.spec_from_file_location("us_east_1", os.path.join(schemas, "providers", "us_east_1.py"))
provider = importlib.util.module_from_spec(spec)
spec.loader.exec_module(provider)
with open(os.path.join(schemas, "resources", provider.types["AWS::DynamoDB::Table"] + ".json")) as fh:
    table = json.load(fh)
def names(*models):
    out = set()
    for m in models:
        out |= set(m.__fields__)
    return sorted(out)
readonly = {p.split("/")[-1] for p in table.get("readOnlyProperties", [])}
print(json.dumps({
    "AWS::Serverless::Function": names(f.Properties, f.Globals),
    "AWS::Serverless::Api": names(a.Properties, a.Globals),
    "AWS::Serverless::HttpApi": names(h.Properties, h.Globals),
    "AWS::Serverless::SimpleTable": names(s.Properties, s.Globals),
    "Api event property": names(f.ApiEventProperties),
    "HttpApi event property": names(f.HttpApiEventProperties),
    "Api Cors property": names(a.Cors),
    "AWS::DynamoDB::Table": sorted(set(table["properties"]) - readonly),
}))
`

// TestSupportTableCoversSpec walks the SAM specification's Function, Api,
// HttpApi and SimpleTable properties (and their Api, HttpApi and Cors
// properties) and AWS::DynamoDB::Table's, and fails on any the support table
// leaves out: Review would refuse it as unknown, where AWS accepts it.
func TestSupportTableCoversSpec(t *testing.T) {
	tool.SkipMissing(t, samtools.Available(context.Background()))
	python := "python3"
	if p := os.Getenv("WORKSHOP_PYTHON"); p != "" {
		python = p
	}
	cmd := exec.Command(python, "-c", specProperties)
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("reading the specification with %s: %v\n%s", python, err, stderr)
	}
	var spec map[string][]string
	if err := json.Unmarshal(out, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec) != 8 {
		t.Fatalf("the specification gave %d sections, want 8: %s", len(spec), out)
	}
	for _, section := range slices.Sorted(maps.Keys(spec)) {
		props := spec[section]
		if len(props) < 5 {
			t.Errorf("%s: only %d properties in the specification (%v): the walk is broken", section, len(props), props)
		}
		for _, p := range props {
			if _, ok := SupportOf(section, p); !ok {
				t.Errorf("%s property %s is in the specification but not in the support table (internal/sam/support.go): add a row saying whether it is emulated, refused or warned, then go generate ./internal/sam", section, p)
			}
		}
	}
}
