package main

import (
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks/steptest"
)

// TestMain runs main when the checks start this test binary as the
// function's bootstrap, and the tests otherwise. "undefined: main" here
// means main.go has no func main, which every Go Lambda function needs.
func TestMain(m *testing.M) { steptest.Main(m, main) }

// TestStep runs this step's checks (the .txtar files in testdata/ of the step
// under steps/) on the files in this directory, and explains each failure.
func TestStep(t *testing.T) { steptest.Run(t) }
