package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
)

// Support says how the local stack treats something a template or a
// function can meet.
type Support string

const (
	// Emulated: it behaves as on AWS (or changes nothing an invocation sees).
	Emulated Support = "emulated"
	// Refused: the app does not start; the message names the file, the
	// resource and the property, and says what AWS would do.
	Refused Support = "refused"
	// Warned: said once at start, then the app runs; only where the
	// difference cannot change an answer.
	Warned Support = "warned"
	// Gap: a limit the local stack does not enforce yet although it can
	// change an answer; listed so that it is known, never silent.
	Gap Support = "not emulated yet"
)

// Row is one line of the support table.
type Row struct {
	Section string // a resource type, "Api event", "intrinsic function", "Lambda limit" ...
	Name    string // a property, event type, function or limit
	Support Support
	Note    string // how it is emulated, or what AWS would do (Markdown)
}

// Sections of the table that are not resource types.
const (
	SecTemplate   = "template section"
	SecAttribute  = "resource attribute"
	SecType       = "resource type"
	SecEvent      = "event type"
	SecApiEvent   = "Api event property"
	SecHttpEvent  = "HttpApi event property"
	SecCors       = "Api Cors property"
	SecIntrinsic  = "intrinsic function"
	SecLambda     = "Lambda limit"
	SecAPIGateway = "API Gateway limit"
	SecDynamoDB   = "DynamoDB limit"
)

const (
	noEffect   = "Changes nothing an invocation sees."
	deployOnly = "Matters only to a deployment on AWS; nothing to run locally."
)

// SupportTable is the support table: docs/local-vs-aws.md is written from it
// (go generate ./internal/sam), and Review checks templates against it.
var SupportTable = []Row{
	// Template sections.
	{SecTemplate, "AWSTemplateFormatVersion", Emulated, noEffect},
	{SecTemplate, "Description", Emulated, noEffect},
	{SecTemplate, "Transform", Emulated, "`AWS::Serverless-2016-10-31` only: the SAM transform, done in Go by `internal/sam` (and by the SAM translator where installed). Any other macro is refused: its output cannot be known offline."},
	{SecTemplate, "Parameters", Emulated, "Defaults, overridden per deployment; a parameter without Default is refused (give it one to run locally)."},
	{SecTemplate, "Conditions", Emulated, "`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition` references, with the parameters and pseudo parameters. A condition that cannot be evaluated (unknown parameter or condition, wrong arguments, a cycle) is refused with its line."},
	{SecTemplate, "Globals", Emulated, "`Function`, `Api`, `HttpApi` and `SimpleTable`, merged as SAM does (the resource wins; maps merge key by key); each property is checked like the resource's own."},
	{SecTemplate, "Resources", Emulated, "Each resource type and property below."},
	{SecTemplate, "Outputs", Emulated, "Resolved with the local names; a false Condition removes the output."},
	{SecTemplate, "Mappings", Emulated, "Read only through `Fn::FindInMap`, which is refused."},
	{SecTemplate, "Metadata", Emulated, noEffect},
	{SecTemplate, "Rules", Refused, "AWS checks the parameters against the rules' assertions and fails the deployment when one is false; the local stack does not evaluate them."},

	// Resource attributes.
	{SecAttribute, "Type", Emulated, "See the resource types."},
	{SecAttribute, "Properties", Emulated, "Every property is in this table; a property it does not know is refused by name."},
	{SecAttribute, "Condition", Emulated, "A false condition: the resource is not created (a function is not built, its events not routed, so its path answers 403 `Missing Authentication Token`; a table is not created). An unknown condition name is refused."},
	{SecAttribute, "DependsOn", Emulated, "The local stack creates tables before functions and functions before APIs, an order every DependsOn of these types agrees with."},
	{SecAttribute, "Metadata", Emulated, "`BuildMethod: go1.x` on a function is what `sam build` needs; the rest changes nothing."},
	{SecAttribute, "DeletionPolicy", Warned, "The local stack deletes everything when it stops, `Retain` or not; on AWS a retained table outlives the stack. Answers are the same."},
	{SecAttribute, "UpdateReplacePolicy", Warned, "When a redeploy under `workshop run` replaces a table, the old one is deleted, `Retain` or not; on AWS a retained one outlives the replacement."},
	{SecAttribute, "CreationPolicy", Refused, "Used with signals from instances; no resource type the local stack runs takes one."},
	{SecAttribute, "UpdatePolicy", Refused, "Used with Auto Scaling and similar resources, which the local stack does not run."},

	// Resource types.
	{SecType, TypeFunction, Emulated, "Built as `sam build` builds it (`BuildMethod: go1.x`, `provided.al2023` or `provided.al2`), run by a local Lambda (`internal/lambdart`)."},
	{SecType, TypeApi, Emulated, "A REST API served by the local API Gateway (`internal/apigw`)."},
	{SecType, TypeHttpApi, Emulated, "An HTTP API served by the local API Gateway."},
	{SecType, TypeSimpleTable, Emulated, "Expanded as the SAM transform does, created on the DynamoDB backend."},
	{SecType, TypeTable, Emulated, "Created on the DynamoDB backend (embedded, or DynamoDB Local)."},
	{SecType, TypeRole, Emulated, "Its policies are evaluated on every DynamoDB call of the functions that use it (`internal/iam`)."},
	{SecType, "AWS::IAM::Policy", Emulated, "Evaluated with the roles it names in `Roles`."},
	{SecType, TypeManagedPolicy, Emulated, "Evaluated where a role names it (`ManagedPolicyArns`, `PermissionsBoundary`)."},
	{SecType, "other types", Refused, "The local stack runs none of them: an app that needs a queue, a bucket or a topic would reach nothing here."},

	// AWS::Serverless::Function.
	{TypeFunction, "Architectures", Emulated, "Built for the machine that runs it; the `arm64`/`x86_64` value is checked (the `build` check compiles the code for linux and that architecture, as sam build does)."},
	{TypeFunction, "AssumeRolePolicyDocument", Warned, "The trust policy of the role SAM creates: who may assume it. Only Lambda assumes it locally."},
	{TypeFunction, "AutoPublishAlias", Refused, "On AWS, API Gateway then invokes the alias of a published version (`AWS_LAMBDA_FUNCTION_VERSION` is its number, not `$LATEST`); versions and aliases are not emulated."},
	{TypeFunction, "AutoPublishAliasAllProperties", Refused, "Goes with AutoPublishAlias."},
	{TypeFunction, "AutoPublishCodeSha256", Refused, "Goes with AutoPublishAlias."},
	{TypeFunction, "CapacityProviderConfig", Refused, "Lambda Managed Instances: a different execution environment."},
	{TypeFunction, "CodeSigningConfigArn", Warned, "AWS refuses unsigned code at deployment; invocations are the same."},
	{TypeFunction, "CodeUri", Emulated, "The folder of the Go code, relative to the template; S3 locations are refused."},
	{TypeFunction, "DeadLetterQueue", Warned, "Used by asynchronous invocations only; the local stack invokes synchronously (API events)."},
	{TypeFunction, "DeploymentPreference", Refused, "Gradual deployments of a published alias; versions and aliases are not emulated."},
	{TypeFunction, "Description", Emulated, noEffect},
	{TypeFunction, "DurableConfig", Refused, "Durable functions: a different execution model."},
	{TypeFunction, "Environment", Emulated, "`Variables`, resolved with the local names (`!Ref Table` is the table's name). A key Lambda reserves (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `_HANDLER` …) is refused, as Lambda refuses the deploy; the function sees the variables Lambda defines for `provided` runtimes (`testdata/lambda/environment.json`)."},
	{TypeFunction, "EphemeralStorage", Refused, "The size of `/tmp`; the local stack does not limit `/tmp` (see the Lambda limits)."},
	{TypeFunction, "EventInvokeConfig", Warned, "Used by asynchronous invocations only."},
	{TypeFunction, "Events", Emulated, "See the event types."},
	{TypeFunction, "FileSystemConfigs", Refused, "EFS mounts are not emulated."},
	{TypeFunction, "FunctionName", Emulated, "The function's name (`AWS_LAMBDA_FUNCTION_NAME`, ARN); `STACK-ID` when absent, as CloudFormation names it."},
	{TypeFunction, "FunctionScalingConfig", Refused, "Scaling of Lambda Managed Instances."},
	{TypeFunction, "FunctionUrlConfig", Refused, "Function URLs are not served locally: on AWS the function answers at its own URL."},
	{TypeFunction, "Handler", Emulated, "`_HANDLER`; a Go function runs the `bootstrap` executable."},
	{TypeFunction, "ImageConfig", Refused, "Container images are not built locally."},
	{TypeFunction, "ImageUri", Refused, "Container images are not built locally."},
	{TypeFunction, "InlineCode", Refused, "Go needs a build: use CodeUri."},
	{TypeFunction, "KmsKeyArn", Warned, "Encrypts the environment variables at rest; the function sees the same values."},
	{TypeFunction, "Layers", Refused, "The layers' content is not available offline: `/opt` would be empty here."},
	{TypeFunction, "LoggingConfig", Warned, "CloudWatch log format and levels: the local logs are always the text format; answers are the same."},
	{TypeFunction, "MemorySize", Emulated, "A limit on Linux: the bootstrap's peak resident memory (`VmHWM`) is read every 5 ms; past MemorySize the process is killed, the invocation fails with `Runtime.OutOfMemory`, the REPORT line says `Status: error  Error Type: Runtime.OutOfMemory`, and API Gateway answers 502. Lambda counts the whole execution environment, here only the bootstrap process. Not enforced on macOS and Windows (no `/proc`): each function then says so at start. From a parameter or `!If`: resolved; not a number: refused."},
	{TypeFunction, "PackageType", Emulated, "`Zip` only; `Image` is refused."},
	{TypeFunction, "PermissionsBoundary", Emulated, "Set on the role SAM creates; evaluated as the role's PermissionsBoundary."},
	{TypeFunction, "Policies", Emulated, "Managed policy names or ARNs known offline, and inline documents; SAM policy templates are expanded by the SAM translator where installed (without it they grant nothing, and a note says so)."},
	{TypeFunction, "PropagateTags", Emulated, noEffect},
	{TypeFunction, "ProvisionedConcurrencyConfig", Refused, "Needs AutoPublishAlias; pre-initialised environments also change when init runs."},
	{TypeFunction, "PublishToLatestPublished", Refused, "Versions are not emulated."},
	{TypeFunction, "RecursiveLoop", Warned, "Only loops through queues, topics and buckets, which the local stack does not run."},
	{TypeFunction, "ReservedConcurrentExecutions", Refused, "On AWS, invocations past it are throttled (`TooManyRequestsException`), and API Gateway answers an error; the local Lambda runs at most 4 environments per function and queues the rest."},
	{TypeFunction, "Role", Emulated, "`!GetAtt Role.Arn` of an AWS::IAM::Role of the template: its policies are enforced; another ARN: IAM is not enforced for that function, and the log says so."},
	{TypeFunction, "RolePath", Warned, "The path in the ARN of the role SAM creates; nothing the function sees."},
	{TypeFunction, "Runtime", Emulated, "`provided.al2023` or `provided.al2` (a Go `bootstrap`); `go1.x` and other runtimes are refused with what to write instead."},
	{TypeFunction, "RuntimeManagementConfig", Warned, "When AWS updates the runtime; the local runtime is the host's."},
	{TypeFunction, "SnapStart", Refused, "Snapshots of initialised environments change when init runs; not emulated."},
	{TypeFunction, "SourceKMSKeyArn", Warned, "Encrypts the code package at rest."},
	{TypeFunction, "Tags", Emulated, noEffect},
	{TypeFunction, "TenancyConfig", Refused, "Tenant isolation mode changes which environment serves an invocation; not emulated."},
	{TypeFunction, "Timeout", Emulated, "The invocation is stopped after Timeout seconds (`Task timed out after N seconds`), and API Gateway answers 502 (or 504 past its own integration timeout)."},
	{TypeFunction, "Tracing", Warned, "X-Ray is not emulated: no trace is recorded; the function's answers are the same."},
	{TypeFunction, "VersionDeletionPolicy", Refused, "Versions are not emulated."},
	{TypeFunction, "VersionDescription", Refused, "Versions are not emulated."},
	{TypeFunction, "VpcConfig", Refused, "On AWS a function in a VPC reaches DynamoDB only through a VPC endpoint or a NAT; locally it always does."},

	// Event types.
	{SecEvent, "Api", Emulated, "A route of the REST API (`RestApiId`, or SAM's `ServerlessRestApi` with stage `Prod`), proxy event 1.0."},
	{SecEvent, "HttpApi", Emulated, "A route of the HTTP API (`ApiId`, or `ServerlessHttpApi`), payload 2.0 or 1.0."},
	{SecEvent, "other types", Refused, "S3, SQS, SNS, Schedule, DynamoDB streams, Kinesis, EventBridge …: nothing sends these events locally, so the function would never run from them."},
	{SecApiEvent, "Path", Emulated, "Path parameters (`{id}`, `{proxy+}`) as API Gateway matches them."},
	{SecApiEvent, "Method", Emulated, "`any` matches every method."},
	{SecApiEvent, "RestApiId", Emulated, "`!Ref` of an AWS::Serverless::Api of the template."},
	{SecApiEvent, "Auth", Refused, "Authorizers, API keys and IAM authorization are not emulated: on AWS the request would need credentials (401/403)."},
	{SecApiEvent, "RequestModel", Refused, "Request validation is not emulated: on AWS an invalid body is answered 400 before the function runs."},
	{SecApiEvent, "RequestParameters", Refused, "Required parameters are validated by API Gateway (400) and can be cached; not emulated."},
	{SecApiEvent, "ResponseTransferMode", Refused, "Response streaming is not emulated."},
	{SecApiEvent, "TimeoutInMillis", Refused, "A custom integration timeout: the local API Gateway uses the default 29 s."},
	{SecHttpEvent, "Path", Emulated, "Without Path and Method: the `$default` route."},
	{SecHttpEvent, "Method", Emulated, "`any` matches every method."},
	{SecHttpEvent, "ApiId", Emulated, "`!Ref` of an AWS::Serverless::HttpApi of the template."},
	{SecHttpEvent, "PayloadFormatVersion", Emulated, "`2.0` (SAM's default) or `1.0`."},
	{SecHttpEvent, "Auth", Refused, "JWT and Lambda authorizers are not emulated: on AWS the request would need a token (401)."},
	{SecHttpEvent, "RouteSettings", Refused, "Per-route throttling (429 on AWS) is not emulated."},
	{SecHttpEvent, "TimeoutInMillis", Refused, "A custom integration timeout: the local API Gateway uses the default 30 s."},

	// AWS::Serverless::Api.
	{TypeApi, "AccessLogSetting", Warned, "The local API Gateway logs one line per request in its own format."},
	{TypeApi, "AlwaysDeploy", Emulated, deployOnly},
	{TypeApi, "ApiKeySourceType", Refused, "API keys are not emulated."},
	{TypeApi, "Auth", Refused, "Authorizers, API keys, resource policies and IAM authorization are not emulated: on AWS the request would need credentials (401/403)."},
	{TypeApi, "BinaryMediaTypes", Emulated, "Bodies of these types reach the function base64-encoded, and base64 answers are decoded, as API Gateway does."},
	{TypeApi, "CacheClusterEnabled", Refused, "A stage cache can answer without invoking the function; not emulated."},
	{TypeApi, "CacheClusterSize", Refused, "Goes with CacheClusterEnabled."},
	{TypeApi, "CanarySetting", Refused, "A canary stage sends part of the traffic to another deployment; not emulated."},
	{TypeApi, "Cors", Emulated, "SAM adds an `OPTIONS` method with a mock integration to every path that has none: the preflight is answered 200 with the `Access-Control-Allow-*` headers configured (see the Api Cors properties), without invoking the function. The function's own answers get no CORS header from API Gateway, as on AWS."},
	{TypeApi, "DefinitionBody", Refused, "An OpenAPI definition: its routes and integrations are not read locally."},
	{TypeApi, "DefinitionUri", Refused, "An OpenAPI definition: its routes and integrations are not read locally."},
	{TypeApi, "Description", Emulated, noEffect},
	{TypeApi, "DisableExecuteApiEndpoint", Warned, "On AWS the default `execute-api` URL is then off; the local API listens on 127.0.0.1."},
	{TypeApi, "Domain", Warned, "A custom domain: the URL differs, the events do not."},
	{TypeApi, "EndpointAccessMode", Warned, "Who may reach the endpoint; the local API listens on 127.0.0.1 only."},
	{TypeApi, "EndpointConfiguration", Warned, "Edge, regional or private endpoint: the URL and who may reach it differ, not the answers."},
	{TypeApi, "FailOnWarnings", Emulated, deployOnly},
	{TypeApi, "GatewayResponses", Refused, "Custom error answers of API Gateway (403, 502 …) are not emulated: the local gateway answers AWS's defaults."},
	{TypeApi, "MergeDefinitions", Refused, "Goes with DefinitionBody."},
	{TypeApi, "MethodSettings", Refused, "Throttling, caching and logging per method; throttling (429) and caching change answers."},
	{TypeApi, "MinimumCompressionSize", Refused, "Compressed answers are not emulated."},
	{TypeApi, "Mode", Refused, "Goes with DefinitionBody."},
	{TypeApi, "Models", Refused, "Request validation is not emulated."},
	{TypeApi, "Name", Emulated, noEffect},
	{TypeApi, "OpenApiVersion", Emulated, deployOnly},
	{TypeApi, "Policy", Refused, "A resource policy can deny requests (403 on AWS); not emulated."},
	{TypeApi, "PropagateTags", Emulated, noEffect},
	{TypeApi, "SecurityPolicy", Warned, "TLS versions of a custom domain; the local API is plain HTTP."},
	{TypeApi, "StageName", Emulated, "The API is served under its stage (`/dev/hello`) and at the root; `requestContext.stage` names it. Required, as SAM requires it."},
	{TypeApi, "Tags", Emulated, noEffect},
	{TypeApi, "TracingEnabled", Warned, "X-Ray is not emulated."},
	{TypeApi, "Variables", Refused, "Stage variables are not passed to the function (`stageVariables` is null here)."},

	{SecCors, "AllowOrigin", Emulated, "`Access-Control-Allow-Origin`; required. A value must be quoted (`\"'*'\"`): API Gateway reads it as a mapping expression, and an unquoted one fails the deployment, so it is refused."},
	{SecCors, "AllowMethods", Emulated, "`Access-Control-Allow-Methods`; without it SAM lists the path's methods and OPTIONS (every method for `any`)."},
	{SecCors, "AllowHeaders", Emulated, "`Access-Control-Allow-Headers`."},
	{SecCors, "MaxAge", Emulated, "`Access-Control-Max-Age`."},
	{SecCors, "AllowCredentials", Emulated, "`Access-Control-Allow-Credentials: true` when true."},

	// AWS::Serverless::HttpApi.
	{TypeHttpApi, "AccessLogSettings", Warned, "The local API Gateway logs one line per request in its own format."},
	{TypeHttpApi, "Auth", Refused, "JWT and Lambda authorizers are not emulated."},
	{TypeHttpApi, "CorsConfiguration", Refused, "HTTP API CORS (API Gateway answers preflights and adds headers to every answer) is not emulated yet."},
	{TypeHttpApi, "DefaultRouteSettings", Refused, "Throttling (429 on AWS) is not emulated."},
	{TypeHttpApi, "DefinitionBody", Refused, "An OpenAPI definition: its routes are not read locally."},
	{TypeHttpApi, "DefinitionUri", Refused, "An OpenAPI definition: its routes are not read locally."},
	{TypeHttpApi, "Description", Emulated, noEffect},
	{TypeHttpApi, "DisableExecuteApiEndpoint", Warned, "On AWS the default URL is then off; the local API listens on 127.0.0.1."},
	{TypeHttpApi, "Domain", Warned, "A custom domain: the URL differs, the events do not."},
	{TypeHttpApi, "FailOnWarnings", Emulated, deployOnly},
	{TypeHttpApi, "Name", Emulated, noEffect},
	{TypeHttpApi, "PropagateTags", Emulated, noEffect},
	{TypeHttpApi, "RouteSettings", Refused, "Per-route throttling (429 on AWS) is not emulated."},
	{TypeHttpApi, "StageName", Emulated, "`$default` unless set; the API is served under its stage and at the root."},
	{TypeHttpApi, "StageVariables", Refused, "Stage variables are not passed to the function."},
	{TypeHttpApi, "Tags", Emulated, noEffect},

	// AWS::Serverless::SimpleTable.
	{TypeSimpleTable, "PointInTimeRecoverySpecification", Warned, "Backups; the items are the same."},
	{TypeSimpleTable, "PrimaryKey", Emulated, "One partition key (`id`, String by default), as SAM expands it."},
	{TypeSimpleTable, "ProvisionedThroughput", Refused, "Capacity throttling (`ProvisionedThroughputExceededException`) is not emulated: leave it out (on demand) to run locally."},
	{TypeSimpleTable, "SSESpecification", Warned, "Encryption at rest; the items are the same."},
	{TypeSimpleTable, "TableName", Emulated, "The table's name; `STACK-ID` when absent."},
	{TypeSimpleTable, "Tags", Emulated, noEffect},

	// AWS::DynamoDB::Table.
	{TypeTable, "AttributeDefinitions", Emulated, "Checked by the backend as DynamoDB does."},
	{TypeTable, "BillingMode", Emulated, "`PAY_PER_REQUEST`; `PROVISIONED` needs ProvisionedThroughput, which is refused."},
	{TypeTable, "ContributorInsightsSpecification", Warned, "Monitoring only."},
	{TypeTable, "DeletionProtectionEnabled", Warned, "The local stack deletes its tables when it stops."},
	{TypeTable, "GlobalSecondaryIndexes", Emulated, "Created on the backend; queries on them as DynamoDB answers (GSIs are updated at once, where DynamoDB's are eventually consistent)."},
	{TypeTable, "ImportSourceSpecification", Refused, "The table would start with items imported from S3; it starts empty here."},
	{TypeTable, "KeySchema", Emulated, "Partition key, and sort key when given."},
	{TypeTable, "KinesisStreamSpecification", Warned, "No stream consumer runs locally; the table's answers are the same."},
	{TypeTable, "LocalSecondaryIndexes", Emulated, "Created on the backend."},
	{TypeTable, "OnDemandThroughput", Refused, "A maximum request rate (throttling on AWS) is not emulated."},
	{TypeTable, "PointInTimeRecoverySpecification", Warned, "Backups; the items are the same."},
	{TypeTable, "ProvisionedThroughput", Refused, "Capacity throttling (`ProvisionedThroughputExceededException`) is not emulated: use `BillingMode: PAY_PER_REQUEST` to run locally."},
	{TypeTable, "ResourcePolicy", Refused, "A resource-based policy takes part in the IAM evaluation; not emulated."},
	{TypeTable, "SSESpecification", Warned, "Encryption at rest; the items are the same."},
	{TypeTable, "StreamSpecification", Warned, "No stream consumer runs locally (DynamoDB events are refused); the table's answers are the same."},
	{TypeTable, "TableClass", Warned, "Storage cost only."},
	{TypeTable, "TableName", Emulated, "The table's name; `STACK-ID` when absent."},
	{TypeTable, "Tags", Emulated, noEffect},
	{TypeTable, "TimeToLiveSpecification", Warned, "Expired items are never deleted locally; DynamoDB deletes them within days, so an app must filter expired items on AWS too."},
	{TypeTable, "WarmThroughput", Warned, "Pre-warmed capacity; no throttling is emulated."},

	// AWS::IAM::Role, Policy, ManagedPolicy.
	{TypeRole, "AssumeRolePolicyDocument", Emulated, "Read by the least-privilege checks; Lambda is the only principal locally."},
	{TypeRole, "Description", Emulated, noEffect},
	{TypeRole, "ManagedPolicyArns", Emulated, "`AWSLambdaBasicExecutionRole`, `AmazonDynamoDBReadOnlyAccess`, `AmazonDynamoDBFullAccess` and the template's AWS::IAM::ManagedPolicy; any other ARN is refused (its statements are unknown offline)."},
	{TypeRole, "MaxSessionDuration", Emulated, noEffect},
	{TypeRole, "Path", Warned, "The path in the role's ARN; nothing the function sees."},
	{TypeRole, "PermissionsBoundary", Emulated, "A call is allowed only when the policies and the boundary both allow it (`… because no permissions boundary allows the dynamodb:PutItem action`). A boundary that is neither a ManagedPolicy of the template nor a managed policy known offline: the role is allowed nothing (fail closed), and the log says why."},
	{TypeRole, "Policies", Emulated, "Inline policies, evaluated on every DynamoDB call. `Condition` in a statement is not evaluated: an Allow with a condition grants nothing, a Deny with one is ignored, and the log says so."},
	{TypeRole, "RoleName", Emulated, "The role's name and ARN."},
	{TypeRole, "Tags", Emulated, noEffect},
	{"AWS::IAM::Policy", "Groups", Emulated, "Groups do not run functions."},
	{"AWS::IAM::Policy", "PolicyDocument", Emulated, "Evaluated for each role of `Roles`."},
	{"AWS::IAM::Policy", "PolicyName", Emulated, noEffect},
	{"AWS::IAM::Policy", "Roles", Emulated, "`!Ref` of the template's roles."},
	{"AWS::IAM::Policy", "Users", Emulated, "Users do not run functions."},
	{TypeManagedPolicy, "Description", Emulated, noEffect},
	{TypeManagedPolicy, "Groups", Emulated, "Groups do not run functions."},
	{TypeManagedPolicy, "ManagedPolicyName", Emulated, "Its name and ARN."},
	{TypeManagedPolicy, "Path", Emulated, "The path in its ARN."},
	{TypeManagedPolicy, "PolicyDocument", Emulated, "Evaluated where a role names the policy."},
	{TypeManagedPolicy, "Roles", Refused, "Attaching the policy from its side is not evaluated: list it in the role's `ManagedPolicyArns` instead (the same on AWS)."},
	{TypeManagedPolicy, "Users", Emulated, "Users do not run functions."},

	// Intrinsic functions.
	{SecIntrinsic, "Ref", Emulated, "Parameters, pseudo parameters (`AWS::Region`, `AWS::AccountId`, `AWS::StackName`, `AWS::NoValue` …) and resources, with the names CloudFormation would give."},
	{SecIntrinsic, "Fn::GetAtt", Emulated, "`Arn` of functions, tables and roles, `RootResourceId`, `ApiEndpoint` …; an unknown attribute is refused."},
	{SecIntrinsic, "Fn::Sub", Emulated, "Both forms (string, and [string, variables])."},
	{SecIntrinsic, "Fn::Join", Emulated, ""},
	{SecIntrinsic, "Fn::Select", Emulated, ""},
	{SecIntrinsic, "Fn::Split", Emulated, ""},
	{SecIntrinsic, "Fn::If", Emulated, "In every property of every resource, in Globals and in Outputs, at any depth; `!Ref AWS::NoValue` removes the property or list element."},
	{SecIntrinsic, "Fn::Equals", Emulated, "In Conditions."},
	{SecIntrinsic, "Fn::And", Emulated, "In Conditions."},
	{SecIntrinsic, "Fn::Or", Emulated, "In Conditions."},
	{SecIntrinsic, "Fn::Not", Emulated, "In Conditions."},
	{SecIntrinsic, "Condition", Emulated, "In Conditions."},
	{SecIntrinsic, "Fn::FindInMap", Refused, "Not evaluated locally: write the value, or use a parameter."},
	{SecIntrinsic, "Fn::ImportValue", Refused, "Another stack's outputs are not known offline."},
	{SecIntrinsic, "Fn::Base64", Refused, "Not evaluated locally."},
	{SecIntrinsic, "Fn::Cidr", Refused, "Not evaluated locally."},
	{SecIntrinsic, "Fn::GetAZs", Refused, "Not evaluated locally."},
	{SecIntrinsic, "Fn::Length", Refused, "Needs `AWS::LanguageExtensions`; not evaluated locally."},
	{SecIntrinsic, "Fn::ToJsonString", Refused, "Needs `AWS::LanguageExtensions`; not evaluated locally."},
	{SecIntrinsic, "Fn::Transform", Refused, "A macro's output cannot be known offline."},

	// Limits.
	{SecLambda, "Timeout (1-900 s)", Emulated, "`Task timed out after N.NN seconds`; the environment is replaced."},
	{SecLambda, "MemorySize (128-10240 MB)", Emulated, "See MemorySize."},
	{SecLambda, "Init phase 10 s", Emulated, "`Init phase timed out after 10.00 seconds` (`Sandbox.Timedout`), and the INIT_REPORT line, as Lambda reports it."},
	{SecLambda, "Response payload 6 MB (synchronous)", Emulated, "`Response payload size exceeded maximum allowed payload size (6291556 bytes).`"},
	{SecLambda, "Request payload 6 MB (synchronous)", Gap, "A request over 6 MB reaches the function here; on AWS Lambda refuses the invocation (`RequestEntityTooLarge`) and API Gateway answers an error."},
	{SecLambda, "/tmp 512 MB (EphemeralStorage)", Gap, "`/tmp` is the host's, not limited to 512 MB nor emptied with the environment."},
	{SecLambda, "The bootstrap executable", Emulated, "`workshop run`, `watch` and `check` build the CodeUri package for this machine (not for `Architectures`) with cgo off, as the bootstrap Lambda runs is built: `sam build` sets no `CGO_ENABLED`, so it has cgo off from any machine but a Linux one of the function's architecture. Without symbols and DWARF (`-ldflags=-s -w`) and without the version control stamp (`-buildvcs=false`): `runtime/debug.ReadBuildInfo` shows no `vcs.*` settings, which `sam build` in a git clone would record. After an edit of a Go file's bodies alone, the compile and link go last ran are run again without go (same flags, same dependencies)."},
	{SecLambda, "The bootstrap under go test", Emulated, "The function runs from the test binary go test has just linked: the same package `main`, with the step's `_test.go` files and Go's `testing` package beside it (their `init` functions run too). Its `TestMain` calls `main` when started as Lambda starts a bootstrap (no arguments, `AWS_LAMBDA_RUNTIME_API` and `_HANDLER` set), so an edit is compiled and linked once; `go test -race` or `-cover` instrument the function too."},
	{SecLambda, "Read-only code directory (/var/task)", Gap, "The bootstrap's folder is writable here; on Lambda writing outside `/tmp` fails (read-only file system)."},
	{SecLambda, "Concurrency (1000 per account)", Warned, "At most 4 environments per function; more requests wait for one, where Lambda starts more (up to the account's 1000). Only timing differs."},
	{SecAPIGateway, "Payload 10 MB", Emulated, "413: `Request Too Long` on a REST API, `Request Entity Too Large` on an HTTP API."},
	{SecAPIGateway, "Integration timeout 29 s (REST), 30 s (HTTP)", Emulated, "504 `Endpoint request timed out` (REST), 503 `Service Unavailable` (HTTP)."},
	{SecAPIGateway, "Throttling (10000 requests/s per account)", Warned, "Not reached by a local app."},
	{SecDynamoDB, "Item size 400 KB", Gap, "DynamoDB Local (`WORKSHOP_DYNAMODB=local`) answers `ValidationException: Item size has exceeded the maximum allowed size`; the embedded backend accepts larger items."},
	{SecDynamoDB, "Scan pages of 1 MB", Emulated, "`LastEvaluatedKey` after 1 MB, on both backends: the item that takes a page to 1 MB is its last, as in DynamoDB Local."},
	{SecDynamoDB, "Query pages of 1 MB", Emulated, "As Scan pages, on both backends."},
	{SecDynamoDB, "Throughput of on-demand tables", Warned, "Not reached by a local app."},
}

// SupportOf returns the row of name in section.
func SupportOf(section, name string) (Row, bool) {
	for _, r := range SupportTable {
		if r.Section == section && r.Name == name {
			return r, true
		}
	}
	return Row{}, false
}

// Finding is a refused or warned part of a template.
type Finding struct {
	Support  Support // Refused or Warned
	Where    string  // file:line
	Resource string  // logical id, or "Globals Api" …; "" for the template
	Property string  // the property, event or function, as the learner wrote it
	Note     string  // the table's note: what AWS would do
}

func (f Finding) String() string {
	who := ""
	if f.Resource != "" {
		who = " " + f.Resource + ":"
	}
	if f.Support == Warned {
		return fmt.Sprintf("%s:%s %s runs locally unlike on AWS, in a way that cannot change an answer: %s", f.Where, who, f.Property, f.Note)
	}
	return fmt.Sprintf("%s:%s %s is %s when running locally: %s", f.Where, who, f.Property, f.Support, f.Note)
}

// Review checks a template whose conditions are applied against the support
// table: everything it uses that the local stack refuses, warns about or does
// not know (refused by name).
func Review(t *cfn.Template) []Finding {
	rv := &reviewer{t: t}
	rv.template()
	return rv.out
}

type reviewer struct {
	t   *cfn.Template
	out []Finding
}

func (rv *reviewer) add(r Row, where, resource, property string) {
	if r.Support == Emulated || r.Support == Gap {
		return
	}
	rv.out = append(rv.out, Finding{Support: r.Support, Where: where, Resource: resource, Property: property, Note: r.Note})
}

// row looks name up in section, and refuses it by name when the table does not know it.
func (rv *reviewer) row(section, name, where, resource, property string) (Row, bool) {
	r, ok := SupportOf(section, name)
	if !ok {
		r = Row{Support: Refused, Note: fmt.Sprintf("the local stack does not know %s %s, so it cannot run it as AWS would: check its spelling (AWS rejects what the specification does not define), or remove it", section, name)}
	}
	rv.add(r, where, resource, property)
	return r, ok
}

func (rv *reviewer) template() {
	t := rv.t
	top := rv.t.Where("")
	for _, k := range slices.Sorted(maps.Keys(t.Doc)) {
		rv.row(SecTemplate, k, t.WhereKey(k), "", k)
	}
	switch tr := t.Doc["Transform"].(type) {
	case nil, string:
		if tr != nil && tr != "AWS::Serverless-2016-10-31" {
			rv.add(Row{Support: Refused, Note: "only the SAM transform AWS::Serverless-2016-10-31 is known offline; a macro's output cannot be known"}, top, "", "Transform "+fmt.Sprint(tr))
		}
	default:
		rv.add(Row{Support: Refused, Note: "only the SAM transform AWS::Serverless-2016-10-31 is known offline; a macro's output cannot be known"}, top, "", "Transform "+fmt.Sprint(tr))
	}
	globals, _ := t.Doc["Globals"].(map[string]any)
	for _, sec := range slices.Sorted(maps.Keys(globals)) {
		typ := map[string]string{"Function": TypeFunction, "Api": TypeApi, "HttpApi": TypeHttpApi, "SimpleTable": TypeSimpleTable}[sec]
		who := "Globals " + sec
		if typ == "" {
			rv.add(Row{Support: Refused, Note: "SAM's Globals has Function, Api, HttpApi and SimpleTable"}, t.WhereKey("Globals/"+sec), "", who)
			continue
		}
		props, _ := globals[sec].(map[string]any)
		rv.properties(typ, props, func(p string) string { return t.WhereKey("Globals/" + sec + "/" + p) }, who)
		rv.intrinsics(props, t.WhereKey("Globals/"+sec), who)
	}
	for _, r := range t.Resources() {
		where := t.Where(r.ID)
		raw, _ := cfn.Lookup(t.Doc, "Resources/"+r.ID)
		for _, attr := range slices.Sorted(maps.Keys(raw.(map[string]any))) {
			rv.row(SecAttribute, attr, where, r.ID, attr)
		}
		if _, ok := SupportOf(SecType, r.Type); !ok {
			row, _ := SupportOf(SecType, "other types")
			rv.add(row, where, r.ID, "Type "+r.Type)
			continue
		}
		rv.properties(r.Type, r.Properties, func(p string) string { return t.Where(r.ID + "/Properties/" + p) }, r.ID)
		rv.intrinsics(r.Properties, where, r.ID)
	}
	outs, _ := t.Doc["Outputs"].(map[string]any)
	rv.intrinsics(outs, t.WhereKey("Outputs"), "Outputs")
}

// properties checks the properties of a resource of type typ, or of its
// Globals section; whereOf names a property's line.
func (rv *reviewer) properties(typ string, props map[string]any, whereOf func(string) string, who string) {
	for _, p := range slices.Sorted(maps.Keys(props)) {
		where := whereOf(p)
		rv.row(typ, p, where, who, p)
		v := props[p]
		switch {
		case typ == TypeFunction && p == "Events":
			events, _ := v.(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(events)) {
				ev, _ := events[name].(map[string]any)
				et, _ := ev["Type"].(string)
				section := map[string]string{"Api": SecApiEvent, "HttpApi": SecHttpEvent}[et]
				if section == "" {
					row, _ := SupportOf(SecEvent, "other types")
					rv.add(row, where, who, fmt.Sprintf("event %s (Type %s)", name, et))
					continue
				}
				ep, _ := ev["Properties"].(map[string]any)
				for _, k := range slices.Sorted(maps.Keys(ep)) {
					rv.row(section, k, where, who, fmt.Sprintf("event %s property %s", name, k))
				}
			}
		case typ == TypeFunction && p == "Environment":
			m, _ := v.(map[string]any)
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if k != "Variables" {
					rv.add(Row{Support: Refused, Note: "Environment has only Variables (Lambda rejects anything else), so these variables would be missing: write Environment: Variables: NAME: value"}, where, who, "Environment "+k)
				}
			}
		case typ == TypeFunction && p == "PackageType":
			if v != "Zip" {
				rv.add(Row{Support: Refused, Note: "container images are not built locally; use PackageType Zip (the default) with CodeUri"}, where, who, fmt.Sprintf("PackageType %v", v))
			}
		case typ == TypeApi && p == "Cors":
			if m, ok := v.(map[string]any); ok {
				for _, k := range slices.Sorted(maps.Keys(m)) {
					rv.row(SecCors, k, where, who, "Cors "+k)
				}
			}
		}
	}
}

// intrinsics refuses, by name, the intrinsic functions the local stack does
// not evaluate, wherever they are in v.
func (rv *reviewer) intrinsics(v any, where, who string) {
	seen := map[string]bool{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch c := v.(type) {
		case map[string]any:
			if len(c) == 1 {
				for k := range c {
					if (k == "Ref" || strings.HasPrefix(k, "Fn::")) && !seen[k] {
						r, ok := SupportOf(SecIntrinsic, k)
						if !ok || r.Support != Emulated {
							seen[k] = true
							rv.row(SecIntrinsic, k, where, who, "!"+strings.TrimPrefix(k, "Fn::")+" in "+path)
						}
					}
				}
			}
			for _, k := range slices.Sorted(maps.Keys(c)) {
				walk(c[k], strings.TrimPrefix(path+"/"+k, "/"))
			}
		case []any:
			for i, e := range c {
				walk(e, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	m, _ := v.(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		walk(m[k], k)
	}
}

// Refusals is the error for the refused findings, nil when there are none:
// one line each, the first naming the first refusal.
func Refusals(fs []Finding) error {
	var lines []string
	for _, f := range fs {
		if f.Support == Refused {
			lines = append(lines, f.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &RefusedError{Lines: lines}
}

// RefusedError lists what the local stack refuses in a template.
type RefusedError struct{ Lines []string }

func (e *RefusedError) Error() string { return strings.Join(e.Lines, "\n") }

// Check reviews what CloudFormation would create from t with d's parameters
// (t's conditions are applied): Read refuses the same findings, Check only
// lists them, for `workshop doctor` and the first line of `workshop run`.
func Check(t *cfn.Template, d Deployment) ([]Finding, error) {
	env, err := d.baseEnv(t)
	if err != nil {
		return nil, err
	}
	if err := t.ApplyConditions(env.Conditions); err != nil {
		return nil, err
	}
	return Review(t), nil
}

// Summary says in one line what is refused and warned among fs:
// "refused: Fn Layers (template.yaml:10); warned: Fn Tracing (template.yaml:11)".
func Summary(fs []Finding) string {
	var parts []string
	for _, s := range []Support{Refused, Warned} {
		var items []string
		for _, f := range fs {
			if f.Support == s {
				items = append(items, strings.TrimSpace(f.Resource+" "+f.Property)+" ("+f.Where+")")
			}
		}
		if len(items) > 0 {
			parts = append(parts, string(s)+": "+strings.Join(items, ", "))
		}
	}
	if len(parts) == 0 {
		return "every property of the template is emulated as on AWS (limits and the rest: docs/local-vs-aws.md)"
	}
	return strings.Join(parts, "; ") + " (docs/local-vs-aws.md)"
}
