// Package proc starts the harness's child processes (function bootstraps,
// DynamoDB Local) apart from the terminal's process group: a Ctrl-C reaches
// only the workshop, which lets requests in flight finish and then stops its
// children itself, instead of each child dying on the spot.
package proc
