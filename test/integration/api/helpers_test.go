package api

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/test/framework"
)

// unstructuredFromYAML parses one object.
func unstructuredFromYAML(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatalf("parsing %s: %v", doc, err)
	}
	return obj
}

// toUnstructured turns a typed object (or a JSON-shaped map) into an unstructured one.
func toUnstructured(t *testing.T, obj any) *unstructured.Unstructured {
	return framework.ToUnstructured(t, obj)
}

// fromUnstructured decodes an unstructured object into a typed one.
func fromUnstructured(t *testing.T, u *unstructured.Unstructured, into any) {
	framework.FromUnstructured(t, u, into)
}

// typedFromYAML decodes a YAML document strictly into a typed object.
func typedFromYAML(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("parsing %s: %v", doc, err)
	}
}
