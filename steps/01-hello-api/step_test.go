package main

import (
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// TestStep runs this step's checks (steps/01-hello-api/testdata) on the files
// in this directory. See the README for what each check looks at.
func TestStep(t *testing.T) { checks.Run(t) }
