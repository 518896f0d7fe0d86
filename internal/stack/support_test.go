package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

// Support lists every refusal and warning without stopping at the first, and
// Load refuses the same template, naming the file, line, resource and property.
func TestSupport(t *testing.T) {
	dir := t.TempDir()
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./
      Tracing: Active
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]
      VpcConfig: {SubnetIds: [s], SecurityGroupIds: [g]}
`
	if err := os.WriteFile(filepath.Join(dir, TemplateFile), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := Support(dir, sam.Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	got := sam.Summary(fs)
	want := "refused: Fn Layers (" // then Fn VpcConfig; warned: Fn Tracing
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "Fn VpcConfig") || !strings.Contains(got, "warned: Fn Tracing") {
		t.Errorf("Summary = %q", got)
	}
	_, _, err = Load(dir, sam.Deployment{})
	if err == nil || !strings.Contains(err.Error(), "template.yaml:8: Fn: Layers is refused when running locally") {
		t.Errorf("Load: err = %v", err)
	}
	fs, err = Support("testdata/cors", sam.Deployment{})
	if err != nil || len(fs) != 0 {
		t.Errorf("Support(testdata/cors) = %v, %v; want nothing refused or warned", fs, err)
	}
}
