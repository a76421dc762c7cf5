package v2

// Hub marks v2 as the version every other version of the API converts through.
func (*HorizontalPodAutoscaler) Hub() {}

// The annotations below carry, on an object read in an older version (v1, v2beta1, v2beta2),
// what that version has no field for, so that converting it back to v2 loses nothing. They are
// written when converting from v2 to the older version and removed again when converting back
// to v2, so a v2 object never carries them. Values are JSON in the shape of this version's
// types. Lists that belong to a list of the object (spec.metrics, status.currentMetrics) are
// aligned with it: entry i belongs to item i, and a null entry means the older version's own
// fields already say everything about that item.
const (
	// MetricsAnnotation holds the spec.metrics entries (MetricSpec, without subdomain and
	// shadow, which have their own annotations) that the older version cannot express.
	MetricsAnnotation = "autoscaling.mhpa.dev/metrics"

	// CurrentMetricsAnnotation holds the status.currentMetrics entries (MetricStatus) that
	// the older version cannot express.
	CurrentMetricsAnnotation = "autoscaling.mhpa.dev/current-metrics"

	// ConditionsAnnotation holds status.conditions for v1, which has no conditions field.
	ConditionsAnnotation = "autoscaling.mhpa.dev/conditions"

	// BehaviorAnnotation holds what the older version cannot express of spec.behavior: all of
	// it for v1 and v2beta1, the tolerances for v2beta2.
	BehaviorAnnotation = "autoscaling.mhpa.dev/behavior"

	// SubdomainsAnnotation holds the subdomain of each entry of spec.metrics, a JSON array of
	// strings ("" for the default metrics API group). The same annotation on a built-in
	// autoscaling/v2 HorizontalPodAutoscaler chooses the subdomains in built-in mode.
	SubdomainsAnnotation = "autoscaling.mhpa.dev/subdomains"

	// ShadowAnnotation holds the shadow flag of each entry of spec.metrics, a JSON array of
	// booleans.
	ShadowAnnotation = "autoscaling.mhpa.dev/shadow"

	// StatusAnnotation holds mhpa's own status fields (reference, targets, lastDecision,
	// history, shadowComparisons) as a JSON object with those keys.
	StatusAnnotation = "autoscaling.mhpa.dev/status"
)

// roundTripAnnotations lists the annotations that conversion to an older version writes and
// conversion back to v2 removes.
var roundTripAnnotations = []string{
	MetricsAnnotation,
	CurrentMetricsAnnotation,
	ConditionsAnnotation,
	BehaviorAnnotation,
	SubdomainsAnnotation,
	ShadowAnnotation,
	StatusAnnotation,
}

// IsRoundTripAnnotation reports whether key is one of the annotations above, which conversion
// to an older version writes and conversion back to v2 removes.
func IsRoundTripAnnotation(key string) bool {
	for _, k := range roundTripAnnotations {
		if k == key {
			return true
		}
	}
	return false
}
