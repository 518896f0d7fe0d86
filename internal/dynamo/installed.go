package dynamo

// LocalInstalled returns the DynamoDB Local folder that `npm ci` installed
// under repoRoot, or a *NotInstalledError saying how to install it: for a
// preflight that must not start it.
func LocalInstalled(repoRoot string) (string, error) {
	return localDir(repoRoot)
}
