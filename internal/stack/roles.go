package stack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// basicExecution is what SAM attaches to every role it makes for a function.
const basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

// Roles reads each function's execution role with its policies, resolved
// for the local deployment. It prefers the SAM translator's output, which
// holds SAM's implicit roles and expanded policy templates; without the
// translator it reads the template as written and says what it cannot know.
// notes are lines for the log.
func Roles(ctx context.Context, app *sam.App, env *cfn.Env) (roles map[string]*iam.Role, notes []string, err error) {
	doc := app.Template.Doc
	translated := false
	if err := samtools.Available(ctx); err == nil {
		res, err := samtools.Analyze(ctx, app.Template.Path, samtools.Options{})
		if err != nil {
			return nil, nil, err
		}
		if res.Translated == nil {
			return nil, nil, fmt.Errorf("%s: the SAM translator rejects the template, so it cannot be deployed as it is:\n%s", app.Template.Where(""), strings.Join(res.TranslateErrors, "\n"))
		}
		doc, translated = res.Translated, true
	} else if errors.Is(err, tool.ErrMissing) {
		notes = append(notes, fmt.Sprintf("IAM: %v; execution roles are read from the template as written", err))
	} else {
		return nil, nil, err
	}

	resources, _ := doc["Resources"].(map[string]any)
	roles = map[string]*iam.Role{}
	for _, fn := range app.Functions {
		props, _ := cfn.Lookup(resources, fn.ID+"/Properties")
		pm, _ := props.(map[string]any)
		roleRef, explicit := pm["Role"]
		var role *iam.Role
		switch {
		case explicit:
			id, ok := roleID(roleRef)
			if !ok {
				arn, _ := env.ResolveString(roleRef)
				notes = append(notes, fmt.Sprintf("IAM: %s uses the role %s, which this template does not define: its policies are unknown here, so IAM is not enforced for it", fn.ID, arn))
				continue
			}
			role, err = readRole(resources, id, env)
		case translated:
			return nil, nil, fmt.Errorf("the SAM translation has no Role for %s", fn.ID)
		default:
			role, err = implicitRole(fn, env, &notes)
			if err == nil {
				err = setBoundary(role, resources, fn.Properties["PermissionsBoundary"], env)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: resource %s: execution role: %w", app.Template.Where(fn.ID), fn.ID, err)
		}
		if role.BoundaryUnknown != "" {
			notes = append(notes, fmt.Sprintf("IAM: the execution role of %s has a permissions boundary that cannot be read offline (%s): the function is allowed nothing on DynamoDB here (fail closed); use an AWS::IAM::ManagedPolicy of the template or a managed policy known offline", fn.ID, role.BoundaryUnknown))
		}
		roles[fn.ID] = role
	}
	return roles, notes, nil
}

// roleID returns the logical id in !GetAtt ID.Arn (the form SAM and the steps use).
func roleID(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	ga, ok := m["Fn::GetAtt"].([]any)
	if !ok || len(ga) != 2 || ga[1] != "Arn" {
		return "", false
	}
	id, ok := ga[0].(string)
	return id, ok
}

// readRole reads an AWS::IAM::Role and the AWS::IAM::Policy resources attached to it.
func readRole(resources map[string]any, id string, env *cfn.Env) (*iam.Role, error) {
	r, _ := resources[id].(map[string]any)
	if r == nil || r["Type"] != sam.TypeRole {
		return nil, fmt.Errorf("Role refers to %s, which is not an AWS::IAM::Role in the template", id)
	}
	props, err := env.Resolve(r["Properties"])
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", id, err)
	}
	pm, _ := props.(map[string]any)
	role := &iam.Role{Name: env.Refs[id], ARN: env.Attrs[id]["Arn"]}
	arns, _ := pm["ManagedPolicyArns"].([]any)
	for _, a := range arns {
		if err := addManaged(role, fmt.Sprint(a)); err != nil {
			return nil, fmt.Errorf("role %s: %w", id, err)
		}
	}
	inline, _ := pm["Policies"].([]any)
	for i, p := range inline {
		m, _ := p.(map[string]any)
		name, _ := m["PolicyName"].(string)
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		pol, err := iam.ParsePolicy(fmt.Sprintf("role %s, inline policy %s", id, name), m["PolicyDocument"])
		if err != nil {
			return nil, err
		}
		role.Policies = append(role.Policies, pol)
	}
	if err := setBoundary(role, resources, pm["PermissionsBoundary"], env); err != nil {
		return nil, fmt.Errorf("role %s: %w", id, err)
	}
	// AWS::IAM::Policy resources that name this role in Roles.
	for _, pid := range slices.Sorted(maps.Keys(resources)) {
		res, _ := resources[pid].(map[string]any)
		if res["Type"] != "AWS::IAM::Policy" || !created(res, env) {
			continue
		}
		rp, _ := res["Properties"].(map[string]any)
		attached, _ := rp["Roles"].([]any)
		for _, ref := range attached {
			if m, ok := ref.(map[string]any); ok && m["Ref"] == id {
				doc, err := env.Resolve(rp["PolicyDocument"])
				if err != nil {
					return nil, fmt.Errorf("policy %s: %w", pid, err)
				}
				pol, err := iam.ParsePolicy("policy "+pid, doc)
				if err != nil {
					return nil, err
				}
				role.Policies = append(role.Policies, pol)
			}
		}
	}
	return role, nil
}

func addManaged(role *iam.Role, arn string) error {
	pol, ok := iam.Managed(arn)
	if !ok {
		name := arn[strings.LastIndex(arn, "/")+1:]
		for _, known := range iam.ManagedARNs() {
			if strings.HasSuffix(known, "/"+name) {
				return fmt.Errorf("there is no managed policy %s; did you mean %s? (AWS would fail the deployment on it)", arn, known)
			}
		}
		known := iam.ManagedARNs()
		for i, k := range known {
			known[i] = k[strings.LastIndex(k, "/")+1:]
		}
		return fmt.Errorf("the managed policy %s is not known offline (known: %s); write its statements inline instead", arn, strings.Join(known, ", "))
	}
	role.Policies = append(role.Policies, pol)
	return nil
}

// implicitRole is SAM's role for a function without Role, read without the
// translator: AWSLambdaBasicExecutionRole plus the function's Policies that
// are managed policy names or ARNs, or inline documents.
func implicitRole(fn sam.Function, env *cfn.Env, notes *[]string) (*iam.Role, error) {
	id := fn.ID + "Role"
	role := &iam.Role{Name: env.Refs[id], ARN: env.Attrs[id]["Arn"]}
	if err := addManaged(role, basicExecution); err != nil {
		return nil, err
	}
	raw, err := env.Resolve(fn.Properties["Policies"])
	if err != nil {
		return nil, err
	}
	var list []any
	switch p := raw.(type) {
	case nil:
	case []any:
		list = p
	default:
		list = []any{p}
	}
	for i, p := range list {
		switch v := p.(type) {
		case string:
			arn := v
			if !strings.HasPrefix(arn, "arn:") {
				arn = "arn:aws:iam::aws:policy/" + v
			}
			if err := addManaged(role, arn); err != nil {
				return nil, err
			}
		case map[string]any:
			if _, ok := v["Statement"]; !ok {
				*notes = append(*notes, fmt.Sprintf("IAM: %s uses a SAM policy template (%s), which only the SAM translator can expand: install cfn-lint (pip install cfn-lint) to enforce it; until then it grants nothing here", fn.ID, firstKey(v)))
				continue
			}
			pol, err := iam.ParsePolicy(fmt.Sprintf("%s Policies #%d", fn.ID, i+1), v)
			if err != nil {
				return nil, err
			}
			role.Policies = append(role.Policies, pol)
		}
	}
	return role, nil
}

func firstKey(m map[string]any) string {
	for k := range m {
		return k
	}
	return ""
}

// setBoundary reads a role's PermissionsBoundary (raw, as written): the ARN of
// an AWS::IAM::ManagedPolicy of the template (usually !Ref Boundary) or of a
// managed policy known offline. A boundary that cannot be read is kept as
// Role.BoundaryUnknown, and the role is then allowed nothing: what cannot be
// evaluated is denied.
func setBoundary(role *iam.Role, resources map[string]any, raw any, env *cfn.Env) error {
	if raw == nil {
		return nil
	}
	arn, err := env.ResolveString(raw)
	if err != nil {
		role.BoundaryUnknown = fmt.Sprintf("PermissionsBoundary %v does not resolve: %v", raw, err)
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		res, _ := resources[id].(map[string]any)
		if res["Type"] != sam.TypeManagedPolicy || env.Refs[id] != arn || !created(res, env) {
			continue
		}
		rp, _ := res["Properties"].(map[string]any)
		doc, err := env.Resolve(rp["PolicyDocument"])
		if err != nil {
			return fmt.Errorf("permissions boundary %s: %w", id, err)
		}
		pol, err := iam.ParsePolicy("permissions boundary "+id, doc)
		if err != nil {
			return err
		}
		role.Boundary = &pol
		return nil
	}
	if pol, ok := iam.Managed(arn); ok {
		pol.Name = "permissions boundary " + pol.Name
		role.Boundary = &pol
		return nil
	}
	role.BoundaryUnknown = arn + " is neither an AWS::IAM::ManagedPolicy of this template nor a managed policy known offline"
	return nil
}

// created reports whether CloudFormation creates the resource: the SAM
// translation keeps resources whose Condition is false.
func created(res map[string]any, env *cfn.Env) bool {
	name, ok := res["Condition"].(string)
	return !ok || env.Conditions[name]
}
