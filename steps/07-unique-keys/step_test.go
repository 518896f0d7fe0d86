package main

import (
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// TestStep runs this step's checks (the .txtar files in testdata/ of the step
// under steps/) on the files in this directory, and explains each failure.
func TestStep(t *testing.T) { checks.Run(t) }
