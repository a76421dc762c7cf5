package validation_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"sigs.k8s.io/yaml"
)

// crdFile is the generated CRD (hack/generate.sh).
var crdFile = filepath.Join("..", "..", "config", "crd", "bases", "autoscaling.mhpa.dev_horizontalpodautoscalers.yaml")

// TestCRDPassesAPIServerValidation runs the API server's own checks of a CRD on the generated
// one, so that a CEL rule too costly or a schema the API server refuses fails here first.
func TestCRDPassesAPIServerValidation(t *testing.T) {
	data, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	v1crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, v1crd); err != nil {
		t.Fatal(err)
	}
	v1crd.Status.StoredVersions = []string{"v2"}
	crd := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(v1crd, crd, nil); err != nil {
		t.Fatal(err)
	}
	for _, e := range apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), crd) {
		t.Errorf("%s: %v", crdFile, e)
	}

	// The v2 schema carries the rules of this package that the API server checks by itself.
	var v2 *apiextensionsv1.JSONSchemaProps
	for _, v := range v1crd.Spec.Versions {
		if v.Name == "v2" {
			v2 = v.Schema.OpenAPIV3Schema
		}
	}
	if v2 == nil {
		t.Fatalf("%s has no v2 schema", crdFile)
	}
	spec := v2.Properties["spec"]
	metric := spec.Properties["metrics"].Items.Schema
	checks := map[string]bool{
		"spec has the minReplicas/maxReplicas rules":  len(spec.XValidations) >= 2,
		"metric items keep unknown fields":            metric.XPreserveUnknownFields != nil && *metric.XPreserveUnknownFields,
		"metric type rejects Resource":                len(metric.Properties["type"].XValidations) == 1,
		"subdomains are DNS-1123 labels":              metric.Properties["external"].Properties["subdomain"].Pattern != "",
		"scale-up selectPolicy rejects the old names": len(spec.Properties["behavior"].Properties["scaleUp"].Properties["selectPolicy"].XValidations) == 1,
		"maxReplicas is at least 1":                   spec.Properties["maxReplicas"].Minimum != nil && *spec.Properties["maxReplicas"].Minimum == 1,
		"status.desiredReplicas is not negative":      v2.Properties["status"].Properties["desiredReplicas"].Minimum != nil,
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s: not so in %s; run hack/generate.sh", what, crdFile)
		}
	}
}
