package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const repoRoot = "../.."

// TestReferenceIsUpToDate fails when docs/api-reference.md differs from what the types in
// api/v2 generate.
func TestReferenceIsUpToDate(t *testing.T) {
	want, err := Generate(filepath.Join(repoRoot, "api", "v2"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repoRoot, OutputPath))
	if err != nil {
		t.Fatalf("%v (run go run ./hack/apidocs)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is out of date; run `go run ./hack/apidocs` (-want +got):\n%s", OutputPath, diff)
	}
}

// TestReferenceCoversTheAPI checks that the reference documents what users need: the
// subdomain and shadow fields, the v2 renames, mhpa's status fields and the annotations.
func TestReferenceCoversTheAPI(t *testing.T) {
	out, err := Generate(filepath.Join(repoRoot, "api", "v2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## HorizontalPodAutoscaler\n", "## MetricSpec\n", "| `subdomain` | string |", "| `shadow` | bool |",
		"| `PodResource` |", "| `MaxChange` |", "| `ScalingDisabled` |", "## ScalingDecision\n", "| `lastDecision` |",
		"| `scaleTargetRef` **required** |", "pattern `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`", "| `autoscaling.mhpa.dev/subdomains` |",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
}

// TestOperationsFlagsAreUpToDate fails when the flag table of docs/operations.md differs from
// mhpa-controller's flag set.
func TestOperationsFlagsAreUpToDate(t *testing.T) {
	got, err := os.ReadFile(filepath.Join(repoRoot, OperationsPath))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReplaceFlags(got, FlagsTable())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("the flag table of %s is out of date; run `go run ./hack/apidocs` (-want +got):\n%s", OperationsPath, diff)
	}
	if !strings.Contains(string(got), "`--builtin-hpas`") {
		t.Errorf("%s does not list --builtin-hpas", OperationsPath)
	}
}
