package sam

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
)

// Deployment says where the app is "deployed" locally.
type Deployment struct {
	Region    string            // default account.DefaultRegion
	AccountID string            // default account.ID
	StackName string            // default sam-app, as `sam deploy --guided` proposes
	Params    map[string]string // parameter overrides
}

// The default stack name and the local APIs' ids: fixed so that messages are stable.
const (
	DefaultStack   = "sam-app"
	LocalAPIID     = "local0api1"
	LocalHTTPAPIID = "local0http"
)

func (d Deployment) withDefaults() Deployment {
	if d.Region == "" {
		d.Region = account.DefaultRegion
	}
	if d.AccountID == "" {
		d.AccountID = account.ID
	}
	if d.StackName == "" {
		d.StackName = DefaultStack
	}
	return d
}

// Env returns the values intrinsic functions resolve to once the app is
// deployed locally: parameters, and each resource's Ref and attributes with
// the names CloudFormation would give (the Name property when set, else STACK-ID).
func (a *App) Env(d Deployment) (*cfn.Env, error) {
	d = d.withDefaults()
	env, err := d.baseEnv(a.Template)
	if err != nil {
		return nil, err
	}
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, d.Region, d.AccountID, rest)
	}
	for _, r := range a.Template.Resources() {
		name := func(prop string) (string, error) {
			v, ok := r.Properties[prop]
			if !ok {
				return d.StackName + "-" + r.ID, nil
			}
			s, err := env.ResolveString(v)
			if err != nil {
				return "", fmt.Errorf("%s: resource %s: %s: %w", a.Template.Where(r.ID+"/Properties/"+prop), r.ID, prop, err)
			}
			return s, nil
		}
		switch r.Type {
		case TypeSimpleTable, TypeTable:
			n, err := name("TableName")
			if err != nil {
				return nil, err
			}
			env.Refs[r.ID] = n
			env.Attrs[r.ID] = map[string]string{"Arn": arn("dynamodb", "table/"+n)}
		case TypeFunction:
			n, err := name("FunctionName")
			if err != nil {
				return nil, err
			}
			env.Refs[r.ID] = n
			env.Attrs[r.ID] = map[string]string{"Arn": arn("lambda", "function:"+n)}
			if _, explicit := r.Properties["Role"]; !explicit {
				// SAM's implicit execution role.
				role := d.StackName + "-" + r.ID + "Role"
				env.Refs[r.ID+"Role"] = role
				env.Attrs[r.ID+"Role"] = map[string]string{"Arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", d.AccountID, role)}
			}
		case TypeRole:
			n, err := name("RoleName")
			if err != nil {
				return nil, err
			}
			env.Refs[r.ID] = n
			env.Attrs[r.ID] = map[string]string{"Arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", d.AccountID, n), "RoleId": "AROALOCAL" + strings.ToUpper(r.ID)}
		case TypeManagedPolicy:
			// Ref and PolicyArn are the ARN: arn:aws:iam::ACCOUNT:policy/PATH/NAME.
			n, err := name("ManagedPolicyName")
			if err != nil {
				return nil, err
			}
			path, _ := r.Properties["Path"].(string)
			path = strings.TrimSuffix(strings.TrimPrefix(cmp.Or(path, "/"), "/"), "/")
			if path != "" {
				path += "/"
			}
			env.Refs[r.ID] = fmt.Sprintf("arn:aws:iam::%s:policy/%s%s", d.AccountID, path, n)
			env.Attrs[r.ID] = map[string]string{"PolicyArn": env.Refs[r.ID]}
		case TypeApi, "AWS::ApiGateway::RestApi":
			env.Refs[r.ID] = LocalAPIID
			env.Attrs[r.ID] = map[string]string{"RootResourceId": "root"}
		case TypeHttpApi:
			env.Refs[r.ID] = LocalHTTPAPIID
			env.Attrs[r.ID] = map[string]string{"ApiEndpoint": fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", LocalHTTPAPIID, d.Region)}
		default:
			env.Refs[r.ID] = r.ID
		}
	}
	// The implicit APIs that events naming no API create.
	for _, api := range a.APIs {
		switch api.ID {
		case ImplicitRestApi:
			env.Refs[api.ID] = LocalAPIID
			env.Attrs[api.ID] = map[string]string{"RootResourceId": "root"}
		case ImplicitHttpApi:
			env.Refs[api.ID] = LocalHTTPAPIID
			env.Attrs[api.ID] = map[string]string{"ApiEndpoint": fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", LocalHTTPAPIID, d.Region)}
		}
	}
	return env, nil
}

// baseEnv is what the template's parameters and conditions resolve with: the
// parameters (defaults, then d's overrides), the pseudo parameters and the
// conditions' values; no resource yet.
func (d Deployment) baseEnv(t *cfn.Template) (*cfn.Env, error) {
	d = d.withDefaults()
	params := t.ParamDefaults()
	for k, v := range d.Params {
		if _, ok := params[k]; !ok {
			return nil, fmt.Errorf("%s: there is no parameter %s to set (Parameters has %s)", t.Where(""), k, strings.Join(slices.Sorted(maps.Keys(params)), ", "))
		}
		params[k] = v
	}
	for k, v := range params {
		if v == "" {
			if _, overridden := d.Params[k]; !overridden {
				return nil, fmt.Errorf("%s: parameter %s has no Default: give it one so the app can run locally", t.Where(""), k)
			}
		}
	}
	env := &cfn.Env{
		Region: d.Region, AccountID: d.AccountID, StackName: d.StackName, Params: params,
		Refs: map[string]string{}, Attrs: map[string]map[string]string{},
	}
	conds, err := env.EvalConditions(t)
	if err != nil {
		return nil, err
	}
	env.Conditions = conds
	return env, nil
}
