package roundtrip

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utiljson "sigs.k8s.io/json"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// WithoutRoundTrip returns a copy of annotations without the round-trip annotations of
// autoscaling.mhpa.dev, or nil when nothing is left.
func WithoutRoundTrip(annotations map[string]string) map[string]string {
	var out map[string]string
	for k, v := range annotations {
		if v2.IsRoundTripAnnotation(k) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(annotations))
		}
		out[k] = v
	}
	return out
}

// Put writes value as JSON under key into annotations, making the map when it is nil.
func Put(annotations *map[string]string, key string, value any) error {
	data, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encoding annotation %s: %w", key, err)
	}
	if *annotations == nil {
		*annotations = map[string]string{}
	}
	(*annotations)[key] = string(data)
	return nil
}

// Get decodes the annotation key into value. It reports false when the annotation is absent;
// an annotation that is not valid JSON of value's shape is an error that names the annotation
// and says what it must hold (want).
func Get(annotations map[string]string, key string, value any, want string) (bool, error) {
	data, ok := annotations[key]
	if !ok {
		return false, nil
	}
	if err := utiljson.UnmarshalCaseSensitivePreserveInts([]byte(data), value); err != nil {
		return true, field.Invalid(annotationPath(key), data, fmt.Sprintf("must be %s: %v", want, err))
	}
	return true, nil
}

func annotationPath(key string) *field.Path {
	return field.NewPath("metadata", "annotations").Key(key)
}

// PutAligned writes entries, a list aligned with a list of the object in which nil means
// "nothing to add", under key; it writes nothing when every entry is nil.
func PutAligned[T any](annotations *map[string]string, key string, entries []*T) error {
	for _, e := range entries {
		if e != nil {
			return Put(annotations, key, entries)
		}
	}
	return nil
}

// GetAligned reads a list written by PutAligned and checks that it has one entry for each of
// the n items of the list it belongs to (named by listPath). It returns nil when the annotation
// is absent.
func GetAligned[T any](annotations map[string]string, key string, n int, listPath, want string) ([]*T, error) {
	var entries []*T
	found, err := Get(annotations, key, &entries, want)
	if err != nil || !found {
		return nil, err
	}
	if len(entries) != n {
		return nil, field.Invalid(annotationPath(key), annotations[key],
			fmt.Sprintf("has %d entries, must have one for each of the %d entries of %s", len(entries), n, listPath))
	}
	return entries, nil
}

// List converts a list whose items an older version (the spoke, items of type S) can express
// only in part to and from the hub (items of type H).
type List[H, S any] struct {
	// Down converts a hub item to the closest spoke item.
	Down func(*H) S
	// Up converts a spoke item to a hub item.
	Up func(*S) H
	// Strip, when set, clears what other annotations carry of a hub item before the item is
	// compared or stored in the list's annotation.
	Strip func(H) H
}

func (l List[H, S]) strip(h H) H {
	if l.Strip == nil {
		return h
	}
	return l.Strip(h)
}

// ToSpoke converts hub items to spoke items. The second result is aligned with them: nil where
// converting the spoke item back gives the (stripped) hub item exactly, the stripped hub item
// where it does not. A nil list stays nil and an empty one empty.
func (l List[H, S]) ToSpoke(hub []H) ([]S, []*H) {
	if hub == nil {
		return nil, nil
	}
	spoke := make([]S, len(hub))
	entries := make([]*H, len(hub))
	for i := range hub {
		spoke[i] = l.Down(&hub[i])
		stripped := l.strip(hub[i])
		if back := l.Up(&spoke[i]); !equality.Semantic.DeepEqual(back, stripped) {
			entries[i] = &stripped
		}
	}
	return spoke, entries
}

// ToHub converts spoke items to hub items, taking entries[i] (from the list's annotation, nil
// when absent) instead of converting spoke[i] as long as entries[i] still converts down to
// spoke[i]. A nil list stays nil and an empty one empty.
func (l List[H, S]) ToHub(spoke []S, entries []*H) []H {
	if spoke == nil {
		return nil
	}
	hub := make([]H, len(spoke))
	for i := range spoke {
		if i < len(entries) && entries[i] != nil {
			if down := l.Down(entries[i]); equality.Semantic.DeepEqual(down, spoke[i]) {
				hub[i] = *entries[i]
				continue
			}
		}
		hub[i] = l.Up(&spoke[i])
	}
	return hub
}

// subdomainPointers returns the subdomain fields of the sources that are set in m.
func subdomainPointers(m *v2.MetricSpec) []*string {
	var out []*string
	if m.PodResource != nil {
		out = append(out, &m.PodResource.Subdomain)
	}
	if m.ContainerResource != nil {
		out = append(out, &m.ContainerResource.Subdomain)
	}
	if m.Pods != nil {
		out = append(out, &m.Pods.Subdomain)
	}
	if m.Object != nil {
		out = append(out, &m.Object.Subdomain)
	}
	if m.External != nil {
		out = append(out, &m.External.Subdomain)
	}
	return out
}

// Subdomain returns the subdomain of a metric and whether the metric has a single one: a valid
// metric sets exactly one source. A metric that sets several sources with different subdomains
// has none that the subdomains annotation could hold; StripSubdomainAndShadow leaves them in
// place so that the metrics annotation carries them.
func Subdomain(m *v2.MetricSpec) (string, bool) {
	subdomain := ""
	for i, p := range subdomainPointers(m) {
		if i > 0 && *p != subdomain {
			return "", false
		}
		subdomain = *p
	}
	return subdomain, true
}

// StripSubdomainAndShadow returns a copy of m without its shadow flag and, when it has a
// single one, without its subdomain: the subdomains and shadow annotations carry those.
func StripSubdomainAndShadow(m v2.MetricSpec) v2.MetricSpec {
	out := *m.DeepCopy()
	out.Shadow = false
	if _, single := Subdomain(&out); single {
		for _, p := range subdomainPointers(&out) {
			*p = ""
		}
	}
	return out
}

// ApplySubdomainAndShadow sets a subdomain (when not empty) on every source set in m, and the
// shadow flag (when true).
func ApplySubdomainAndShadow(m *v2.MetricSpec, subdomain string, shadow bool) {
	if subdomain != "" {
		for _, p := range subdomainPointers(m) {
			*p = subdomain
		}
	}
	if shadow {
		m.Shadow = true
	}
}

// PutSubdomainsAndShadow writes the subdomains annotation when a metric has a subdomain and
// the shadow annotation when a metric is a shadow metric, each aligned with metrics.
func PutSubdomainsAndShadow(annotations *map[string]string, metrics []v2.MetricSpec) error {
	subdomains := make([]string, len(metrics))
	shadow := make([]bool, len(metrics))
	anySubdomain, anyShadow := false, false
	for i := range metrics {
		if s, single := Subdomain(&metrics[i]); single && s != "" {
			subdomains[i] = s
			anySubdomain = true
		}
		if metrics[i].Shadow {
			shadow[i] = true
			anyShadow = true
		}
	}
	if anySubdomain {
		if err := Put(annotations, v2.SubdomainsAnnotation, subdomains); err != nil {
			return err
		}
	}
	if anyShadow {
		if err := Put(annotations, v2.ShadowAnnotation, shadow); err != nil {
			return err
		}
	}
	return nil
}

// GetSubdomainsAndShadow reads the subdomains and shadow annotations, checking that each has
// one entry for each of the n metrics of listPath. Absent annotations give nil.
func GetSubdomainsAndShadow(annotations map[string]string, n int, listPath string) ([]string, []bool, error) {
	var subdomains []string
	if found, err := Get(annotations, v2.SubdomainsAnnotation, &subdomains,
		"a JSON array of strings, one subdomain for each entry of "+listPath); err != nil {
		return nil, nil, err
	} else if found && len(subdomains) != n {
		return nil, nil, field.Invalid(annotationPath(v2.SubdomainsAnnotation), annotations[v2.SubdomainsAnnotation],
			fmt.Sprintf("has %d entries, must have one for each of the %d entries of %s", len(subdomains), n, listPath))
	}
	var shadow []bool
	if found, err := Get(annotations, v2.ShadowAnnotation, &shadow,
		"a JSON array of booleans, one for each entry of "+listPath); err != nil {
		return nil, nil, err
	} else if found && len(shadow) != n {
		return nil, nil, field.Invalid(annotationPath(v2.ShadowAnnotation), annotations[v2.ShadowAnnotation],
			fmt.Sprintf("has %d entries, must have one for each of the %d entries of %s", len(shadow), n, listPath))
	}
	return subdomains, shadow, nil
}

// At returns list[i], or the zero value when list is nil.
func At[T any](list []T, i int) T {
	var zero T
	if i < len(list) {
		return list[i]
	}
	return zero
}

// statusFields is the JSON form of the status annotation: the status fields of v2 that no
// older version has.
type statusFields struct {
	Reference         string                `json:"reference,omitempty"`
	Targets           string                `json:"targets,omitempty"`
	LastDecision      *v2.ScalingDecision   `json:"lastDecision,omitempty"`
	History           *v2.ScalingHistory    `json:"history,omitempty"`
	ShadowComparisons []v2.ShadowComparison `json:"shadowComparisons,omitempty"`
}

// isEmpty reports whether there is nothing to write (statusFields holds a slice, so it cannot
// be compared with ==).
func (f *statusFields) isEmpty() bool {
	return f.Reference == "" && f.Targets == "" && f.LastDecision == nil && f.History == nil && f.ShadowComparisons == nil
}

// PutStatus writes the status annotation when status has any of mhpa's own fields.
func PutStatus(annotations *map[string]string, status *v2.HorizontalPodAutoscalerStatus) error {
	fields := statusFields{
		Reference:         status.Reference,
		Targets:           status.Targets,
		LastDecision:      status.LastDecision,
		History:           status.History,
		ShadowComparisons: status.ShadowComparisons,
	}
	if fields.isEmpty() {
		return nil
	}
	return Put(annotations, v2.StatusAnnotation, fields)
}

// GetStatus sets mhpa's own status fields from the status annotation, when it is present.
func GetStatus(annotations map[string]string, status *v2.HorizontalPodAutoscalerStatus) error {
	var fields statusFields
	found, err := Get(annotations, v2.StatusAnnotation, &fields,
		"a JSON object with the keys reference, targets, lastDecision, history and shadowComparisons of autoscaling.mhpa.dev/v2 status")
	if err != nil || !found {
		return err
	}
	status.Reference = fields.Reference
	status.Targets = fields.Targets
	status.LastDecision = fields.LastDecision
	status.History = fields.History
	status.ShadowComparisons = fields.ShadowComparisons
	return nil
}

// PutBehavior writes the whole of behavior into the behavior annotation, when it is set (for
// versions without a behavior field).
func PutBehavior(annotations *map[string]string, behavior *v2.HorizontalPodAutoscalerBehavior) error {
	if behavior == nil {
		return nil
	}
	return Put(annotations, v2.BehaviorAnnotation, behavior)
}

// GetBehavior reads the behavior annotation written by PutBehavior; nil when absent.
func GetBehavior(annotations map[string]string) (*v2.HorizontalPodAutoscalerBehavior, error) {
	var behavior v2.HorizontalPodAutoscalerBehavior
	found, err := Get(annotations, v2.BehaviorAnnotation, &behavior,
		"a JSON object in the shape of autoscaling.mhpa.dev/v2 spec.behavior")
	if err != nil || !found {
		return nil, err
	}
	return &behavior, nil
}

// MetricsWant describes the metrics annotation in error messages.
func MetricsWant(listPath string) string {
	return "a JSON array with one entry for each entry of " + listPath +
		": null or an autoscaling.mhpa.dev/v2 MetricSpec"
}

// CurrentMetricsWant describes the current-metrics annotation in error messages.
func CurrentMetricsWant(listPath string) string {
	return "a JSON array with one entry for each entry of " + listPath +
		": null or an autoscaling.mhpa.dev/v2 MetricStatus"
}

// CopyInt32 returns a copy of *p, or nil.
func CopyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// CopyInt64 returns a copy of *p, or nil.
func CopyInt64(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// CopyQuantity returns a deep copy of *q, or nil.
func CopyQuantity(q *resource.Quantity) *resource.Quantity {
	if q == nil {
		return nil
	}
	v := q.DeepCopy()
	return &v
}
