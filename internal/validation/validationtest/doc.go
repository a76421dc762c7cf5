// Package validationtest holds a valid v2 HorizontalPodAutoscaler and a table of invalid ones,
// each with the field paths and messages it must be rejected with. The unit tests of package
// validation run the table against the Go validation; the integration tests send the same table
// to a real API server, where the CRD schema, its CEL rules or the validating webhook reject it.
package validationtest
