package iam

import "fmt"

// LogActions are what Lambda does with a function's execution role to deliver
// its output to CloudWatch Logs: create the log group /aws/lambda/NAME, a log
// stream in it, and put the events. AWSLambdaBasicExecutionRole grants them;
// without them the function runs, and its logs go nowhere.
var LogActions = []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}

// MissingLogActions returns the LogActions the role does not allow for the
// function's log group (in region and account), in that order; none when it
// can log. The group is written as ARN:* as in the policies AWS documents for
// Lambda, which matches both a policy on the group and one on its streams.
func (r *Role) MissingLogActions(region, account, function string) []string {
	group := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/aws/lambda/%s", region, account, function)
	resources := map[string]string{
		"logs:CreateLogGroup":  group + ":*",
		"logs:CreateLogStream": group + ":*",
		"logs:PutLogEvents":    group + ":log-stream:2006/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
	}
	var missing []string
	for _, a := range LogActions {
		if !r.Evaluate(a, resources[a]).Allowed {
			missing = append(missing, a)
		}
	}
	return missing
}
