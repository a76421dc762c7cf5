package validation

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

// metricSpecFields are the JSON names of the fields of a v2 MetricSpec, sorted.
var metricSpecFields = jsonFieldNames(reflect.TypeFor[mhpav2.MetricSpec]())

// ValidateMetricFields checks the field names of each item of spec.metrics in raw, the JSON of a
// v2 HorizontalPodAutoscaler as the API server passes it to admission. The CRD keeps unknown
// fields of metric items instead of dropping them, so that a field of an older version, such as
// "resource", reaches this check and is rejected with its v2 name rather than silently dropped.
func ValidateMetricFields(raw []byte) field.ErrorList {
	var obj struct {
		Spec struct {
			Metrics []map[string]json.RawMessage `json:"metrics"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "metrics"), nil, "must be a list of metric objects: "+err.Error())}
	}
	var errs field.ErrorList
	for i, item := range obj.Spec.Metrics {
		keys := make([]string, 0, len(item))
		for k := range item {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, ok := slices.BinarySearch(metricSpecFields, k); ok {
				continue
			}
			p := field.NewPath("spec", "metrics").Index(i).Child(k)
			if renamed := renamedMetricFields[k]; renamed != "" {
				errs = append(errs, field.Forbidden(p, fmt.Sprintf("unknown field %q: renamed to %q in %s", k, renamed, hubVersion)))
				continue
			}
			errs = append(errs, field.Forbidden(p, fmt.Sprintf("unknown field %q: allowed fields are %s", k, quoteAll(metricSpecFields))))
		}
	}
	return errs
}

// jsonFieldNames lists the JSON names of the fields of struct type t, sorted.
func jsonFieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
