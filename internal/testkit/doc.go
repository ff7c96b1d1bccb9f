// Package testkit holds the test helpers that only the module's own tests
// need: the check behind every FuzzValidate (config.go), the harness that
// keeps the example programs printing what their comments say
// (program.go), and errors that stand for a refusing policy (refusal.go).
// What users testing their own code need too lives in the public
// resiliencetest package.
package testkit
