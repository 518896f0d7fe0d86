// Command stepcheck runs a step's checks for go test (see
// internal/checks/steptest) and prints the report as JSON, one array of
// lines ({"Fail": bool, "Text": string}).
//
//	stepcheck [-bootstrap PATH] [-deadline RFC3339] DIR
//
// -bootstrap is an executable already built from DIR's code for this
// machine, which the checks run as the function of DIR instead of building
// it again: the test binary, which go test has just linked with the
// learner's package main.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

func main() {
	bootstrap := flag.String("bootstrap", "", "an executable of DIR's code for this machine, run as its function")
	deadline := flag.String("deadline", "", "stop by this time (RFC 3339), as the test must")
	flag.Parse()
	if err := run(*bootstrap, *deadline, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "stepcheck:", err)
		os.Exit(1)
	}
}

func run(bootstrap, deadline string, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: stepcheck [-bootstrap PATH] [-deadline RFC3339] DIR")
	}
	var until time.Time
	if deadline != "" {
		var err error
		if until, err = time.Parse(time.RFC3339Nano, deadline); err != nil {
			return fmt.Errorf("-deadline: %w", err)
		}
	}
	target, err := checks.Resolve(args[0])
	if err != nil {
		return err
	}
	target.Bootstrap = bootstrap
	results, err := target.Check(nil, until)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(checks.Judge(target, results))
}
