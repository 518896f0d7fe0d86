package checks

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// The checks deploy a step as a participant does: with their own Prefix
// (sam deploy --parameter-overrides Prefix=...) in their own region, never
// the template's defaults. A name or a region written out by hand works only
// with the defaults, so it fails here as it would in the participant's
// account. Scripts see both: $PREFIX and $REGION.

// checkRegions are the regions a run deploys to: any but account.DefaultRegion,
// the seed app's region, where a region written in the code would still work.
var checkRegions = []string{"eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-2", "ca-central-1", "sa-east-1", "us-west-2"}

// The variables that pin a run's Prefix and region, to run the checks again
// as a failing run ran (Judge prints them under a failure).
const (
	PrefixEnv = "WORKSHOP_CHECK_PREFIX"
	RegionEnv = "WORKSHOP_CHECK_REGION"
)

var (
	// A Prefix fit for every name the templates build (function, table,
	// role and stack names), with no hyphen so that it is never a template's
	// default such as dva-hello.
	prefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{2,15}$`)
	// A Region code: eu-west-3, ap-southeast-2, us-gov-west-1.
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[1-9]$`)
)

// newDeployment picks a run's Prefix ("p" and five lowercase letters) and
// region, or takes those PrefixEnv and RegionEnv pin (read with getenv).
func newDeployment(getenv func(string) string) (sam.Deployment, error) {
	b := []byte{'p'}
	for range 5 {
		b = append(b, byte('a'+rand.IntN(26)))
	}
	prefix := string(b)
	if p := getenv(PrefixEnv); p != "" {
		if !prefixRE.MatchString(p) {
			return sam.Deployment{}, fmt.Errorf("%s=%q is not a Prefix the checks can deploy with: use 3 to 16 lowercase letters or digits, starting with a letter (as a failing run prints it, e.g. %s), or unset it for a random one", PrefixEnv, p, prefix)
		}
		prefix = p
	}
	region := checkRegions[rand.IntN(len(checkRegions))]
	if r := getenv(RegionEnv); r != "" {
		switch {
		case !regionRE.MatchString(r):
			return sam.Deployment{}, fmt.Errorf("%s=%q is not a Region code: use one such as %s (as a failing run prints it), or unset it for a random one", RegionEnv, r, region)
		case strings.HasPrefix(r, "cn-") || strings.HasPrefix(r, "us-gov-") || strings.HasPrefix(r, "us-iso"):
			return sam.Deployment{}, fmt.Errorf("%s=%s is in another AWS partition than aws (China, GovCloud or ISO), whose ARNs the local stack does not model (AWS::Partition is aws): use a region such as %s, or unset it for a random one", RegionEnv, r, region)
		case r == account.DefaultRegion:
			return sam.Deployment{}, fmt.Errorf("%s=%s is the seed app's Region, where a region written out by hand would go unnoticed: use another, such as %s, or unset it for a random one", RegionEnv, r, region)
		}
		region = r
	}
	return sam.Deployment{Region: region, Params: map[string]string{"Prefix": prefix}}, nil
}

// rerunLine says how a run was deployed and how to run the checks again so.
func rerunLine(prefix, region string) string {
	return fmt.Sprintf("checks ran as Prefix=%s region=%s; rerun with %s=%s %s=%s", prefix, region, PrefixEnv, prefix, RegionEnv, region)
}

// writtenOut explains a resolved name that still holds the template's
// defaults though the stack is deployed under another Prefix or region: it was
// written out by hand where an intrinsic belongs. Otherwise, when the
// expected value (want) names the run's Prefix or region, it says where they
// come from; else "".
func (st *state) writtenOut(got, want string) string {
	d := st.deployment
	var notes []string
	if app, _, err := stack.Load(st.target.Dir, sam.Deployment{}); err == nil {
		if def := app.Template.ParamDefaults()["Prefix"]; def != "" && def != d.Params["Prefix"] && strings.Contains(got, def) {
			notes = append(notes, def+" is the default Prefix, written out by hand: build names with !Sub ${Prefix}-… and pass them with !Ref")
		}
	}
	if d.Region != account.DefaultRegion && strings.Contains(got, account.DefaultRegion) {
		notes = append(notes, account.DefaultRegion+" is the default region, written out by hand: use ${AWS::Region} or !GetAtt")
	}
	if len(notes) > 0 {
		return " " + strings.Join(notes, "; ") + "."
	}
	if strings.Contains(want, d.Params["Prefix"]) || strings.Contains(want, d.Region) {
		return fmt.Sprintf(" The checks deploy with Prefix %s in %s, as a participant would: names must follow them.", d.Params["Prefix"], d.Region)
	}
	return ""
}

// otherRegion says, first in any failure once the app runs, that a function
// signed its DynamoDB calls for another region than the stack's: a region
// written in its code, which finds no table of the stack (the failures that
// follow come from it). "" when none did.
func (st *state) otherRegion() string {
	s := st.stack
	if s == nil || s.IAM == nil {
		return ""
	}
	for _, fn := range s.App.Functions {
		regions := s.IAM.OtherRegions(s.Env.Refs[fn.ID])
		if len(regions) == 0 {
			continue
		}
		return fmt.Sprintf("%s: %s calls DynamoDB in %s, but the stack is deployed in %s, where its table is: load the SDK configuration with config.LoadDefaultConfig(ctx) and no config.WithRegion, so that it uses the region Lambda sets in AWS_REGION.",
			regionSource(fn.CodeDir, regions[0]), fn.ID, regions[0], s.Env.Region)
	}
	return ""
}

// regionSource names the Go file and line of dir that writes region out, or
// dir when none does.
func regionSource(dir, region string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, `"`+region+`"`) {
				return fmt.Sprintf("%s:%d", repo.DisplayPath(f), i+1)
			}
		}
	}
	return repo.DisplayPath(dir)
}
