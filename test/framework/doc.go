// Package framework holds thin helpers for tests that run on a real local control plane
// (package internal/controlplane): starting and stopping it with the test, clients, namespaces,
// Deployments, and waiting for conditions with deadlines.
//
// Helpers take a testing.TB and fail the test (t.Fatal) on error, so test code reads as a list
// of steps. They wait with wait.PollUntilContextTimeout and DefaultTimeout, never a fixed sleep.
package framework
