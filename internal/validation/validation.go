package validation

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/metrics"
)

const (
	// MaxPeriodSeconds is the longest period of a scaling policy, in seconds (30 minutes).
	MaxPeriodSeconds int32 = 1800
	// MaxStabilizationWindowSeconds is the longest stabilization window, in seconds (one hour).
	MaxStabilizationWindowSeconds int32 = 3600
	// MaxSubdomainLength is the longest subdomain, the limit of a DNS-1123 label.
	MaxSubdomainLength = utilvalidation.DNS1123LabelMaxLength

	// hubVersion names the version every rule is stated in, for messages about renames.
	hubVersion = "autoscaling.mhpa.dev/v2"
)

// ScaleToZeroMessage explains when minReplicas may be 0. The CRD's CEL rule uses the same text.
const ScaleToZeroMessage = "may be 0 only when spec.metrics has at least one Object or External metric " +
	"that is not a shadow metric (scale to zero and back); otherwise must be at least 1"

// Metric source types, scaling policy types, select policies and target types allowed in v2, in
// the order messages list them.
var (
	supportedMetricSourceTypes = []string{
		string(mhpav2.ContainerResourceMetricSourceType),
		string(mhpav2.ExternalMetricSourceType),
		string(mhpav2.ObjectMetricSourceType),
		string(mhpav2.PodResourceMetricSourceType),
		string(mhpav2.PodsMetricSourceType),
	}
	supportedSelectPolicies = []string{
		string(mhpav2.MaxChangePolicySelect),
		string(mhpav2.MinChangePolicySelect),
		string(mhpav2.DisabledPolicySelect),
	}
	supportedScalingPolicyTypes = []string{
		string(mhpav2.PodsScalingPolicy),
		string(mhpav2.PercentScalingPolicy),
	}
	supportedTargetTypes = []string{
		string(mhpav2.UtilizationMetricType),
		string(mhpav2.ValueMetricType),
		string(mhpav2.AverageValueMetricType),
	}
)

// Names that versions before v2 use and v2 renamed, mapped to their v2 names.
var (
	renamedMetricSourceTypes = map[string]string{"Resource": string(mhpav2.PodResourceMetricSourceType)}
	renamedSelectPolicies    = map[string]string{
		"Max":      string(mhpav2.MaxChangePolicySelect),
		"Min":      string(mhpav2.MinChangePolicySelect),
		"Disabled": string(mhpav2.DisabledPolicySelect),
	}
	renamedMetricFields = map[string]string{"resource": "podResource"}
)

// referenceOptions relaxes the checks of a CrossVersionObjectReference.
type referenceOptions struct {
	// allowEmptyGroup accepts an apiVersion without an API group (the core group).
	allowEmptyGroup bool
	// allowInvalidAPIVersion skips the apiVersion check, for objects stored before it existed.
	allowInvalidAPIVersion bool
}

// specOptions are the relaxations that depend on the object being created or on the stored one.
type specOptions struct {
	scaleTargetRef  referenceOptions
	describedObject referenceOptions
}

// ValidateHorizontalPodAutoscaler validates a new HorizontalPodAutoscaler.
func ValidateHorizontalPodAutoscaler(hpa *mhpav2.HorizontalPodAutoscaler) field.ErrorList {
	return validateSpec(&hpa.Spec, field.NewPath("spec"), optionsFor(hpa, nil))
}

// ValidateHorizontalPodAutoscalerUpdate validates an update of oldHPA to newHPA. Like upstream it
// keeps accepting an apiVersion that was stored before apiVersions were checked, as long as the
// update does not change it.
func ValidateHorizontalPodAutoscalerUpdate(newHPA, oldHPA *mhpav2.HorizontalPodAutoscaler) field.ErrorList {
	return validateSpec(&newHPA.Spec, field.NewPath("spec"), optionsFor(newHPA, oldHPA))
}

// optionsFor derives the relaxations for newHPA, given the stored oldHPA (nil on create).
func optionsFor(newHPA, oldHPA *mhpav2.HorizontalPodAutoscaler) specOptions {
	opts := specOptions{
		// The target of scaling is found through its group; only the core group's
		// ReplicationController may leave it out.
		scaleTargetRef:  referenceOptions{allowEmptyGroup: newHPA.Spec.ScaleTargetRef.Kind == "ReplicationController"},
		describedObject: referenceOptions{allowEmptyGroup: true},
	}
	if oldHPA == nil {
		return opts
	}
	oldRef, newRef := oldHPA.Spec.ScaleTargetRef, newHPA.Spec.ScaleTargetRef
	if oldRef.APIVersion == newRef.APIVersion && oldRef.Kind == newRef.Kind {
		opts.scaleTargetRef.allowInvalidAPIVersion = true
	}
	for _, m := range oldHPA.Spec.Metrics {
		if m.Type == mhpav2.ObjectMetricSourceType && m.Object != nil &&
			apiVersionError(m.Object.DescribedObject.APIVersion, opts.describedObject) != "" {
			opts.describedObject.allowInvalidAPIVersion = true
			break
		}
	}
	return opts
}

func validateSpec(spec *mhpav2.HorizontalPodAutoscalerSpec, p *field.Path, opts specOptions) field.ErrorList {
	var errs field.ErrorList
	minPath, maxPath := p.Child("minReplicas"), p.Child("maxReplicas")
	if spec.MinReplicas != nil {
		switch {
		case *spec.MinReplicas < 0:
			errs = append(errs, field.Invalid(minPath, *spec.MinReplicas, "must be greater than or equal to 0"))
		case *spec.MinReplicas == 0 && !canScaleToZero(spec.Metrics):
			errs = append(errs, field.Invalid(minPath, *spec.MinReplicas, ScaleToZeroMessage))
		}
	}
	if spec.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(maxPath, spec.MaxReplicas, "must be greater than or equal to 1"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(maxPath, spec.MaxReplicas,
			fmt.Sprintf("must be greater than or equal to minReplicas (%d)", *spec.MinReplicas)))
	}
	errs = append(errs, validateReference(&spec.ScaleTargetRef, p.Child("scaleTargetRef"), opts.scaleTargetRef)...)
	for i := range spec.Metrics {
		errs = append(errs, validateMetricSpec(&spec.Metrics[i], p.Child("metrics").Index(i), opts)...)
	}
	if spec.Behavior != nil {
		bp := p.Child("behavior")
		errs = append(errs, validateScalingRules(spec.Behavior.ScaleUp, bp.Child("scaleUp"))...)
		errs = append(errs, validateScalingRules(spec.Behavior.ScaleDown, bp.Child("scaleDown"))...)
	}
	return errs
}

// canScaleToZero reports whether metrics can bring a target back from zero replicas: that takes
// an Object or External metric, which has a value without any pod, and one that drives scaling.
func canScaleToZero(metrics []mhpav2.MetricSpec) bool {
	for _, m := range metrics {
		if (m.Type == mhpav2.ObjectMetricSourceType || m.Type == mhpav2.ExternalMetricSourceType) && !m.Shadow {
			return true
		}
	}
	return false
}

func validateReference(ref *mhpav2.CrossVersionObjectReference, p *field.Path, opts referenceOptions) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validatePathSegmentName(ref.Kind, p.Child("kind"), "the kind of the object, e.g. Deployment")...)
	errs = append(errs, validatePathSegmentName(ref.Name, p.Child("name"), "the name of the object")...)
	if msg := apiVersionError(ref.APIVersion, opts); msg != "" {
		errs = append(errs, field.Invalid(p.Child("apiVersion"), ref.APIVersion, msg))
	}
	return errs
}

// apiVersionError says what is wrong with apiVersion, or returns "" when it is acceptable.
func apiVersionError(apiVersion string, opts referenceOptions) string {
	if opts.allowInvalidAPIVersion {
		return ""
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return "must be group/version (e.g. apps/v1) or, for the core group, version (e.g. v1)"
	}
	if gv.Group == "" && !opts.allowEmptyGroup {
		return "must name an API group, as group/version (e.g. apps/v1)"
	}
	return ""
}

// validatePathSegmentName checks a name that becomes one segment of a URL path.
func validatePathSegmentName(name string, p *field.Path, what string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "must be set to "+what)}
	}
	var errs field.ErrorList
	for _, msg := range content.IsPathSegmentName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// metricSource is one of the five source fields of a MetricSpec, as the JSON name of the field
// and whether it is set.
type metricSource struct {
	field      string
	sourceType mhpav2.MetricSourceType
	set        bool
}

func validateMetricSpec(m *mhpav2.MetricSpec, p *field.Path, opts specOptions) field.ErrorList {
	var errs field.ErrorList
	typePath := p.Child("type")
	switch t := string(m.Type); {
	case t == "":
		errs = append(errs, field.Required(typePath, "must be set to the metric source type: one of "+quoteAll(supportedMetricSourceTypes)))
	case renamedMetricSourceTypes[t] != "":
		errs = append(errs, field.Invalid(typePath, t, renamedMessage(renamedMetricSourceTypes[t], supportedMetricSourceTypes)))
	case !slices.Contains(supportedMetricSourceTypes, t):
		errs = append(errs, field.NotSupported(typePath, t, supportedMetricSourceTypes))
	}

	sources := []metricSource{
		{"object", mhpav2.ObjectMetricSourceType, m.Object != nil},
		{"pods", mhpav2.PodsMetricSourceType, m.Pods != nil},
		{"podResource", mhpav2.PodResourceMetricSourceType, m.PodResource != nil},
		{"containerResource", mhpav2.ContainerResourceMetricSourceType, m.ContainerResource != nil},
		{"external", mhpav2.ExternalMetricSourceType, m.External != nil},
	}
	known := slices.Contains(supportedMetricSourceTypes, string(m.Type))
	for _, s := range sources {
		switch {
		case s.sourceType == m.Type && !s.set:
			errs = append(errs, field.Required(p.Child(s.field), fmt.Sprintf("must be set when type is %q", m.Type)))
		case s.sourceType != m.Type && s.set && known:
			errs = append(errs, field.Forbidden(p.Child(s.field),
				fmt.Sprintf("must not be set when type is %q: set only the field that matches type", m.Type)))
		}
	}

	// Validate the source that type selects; when type is missing or unknown, validate every
	// source that is set, so that their mistakes are reported too.
	selected := func(t mhpav2.MetricSourceType) bool { return m.Type == t || !known }
	if m.Object != nil && selected(mhpav2.ObjectMetricSourceType) {
		errs = append(errs, validateObjectSource(m.Object, p.Child("object"), opts.describedObject)...)
	}
	if m.Pods != nil && selected(mhpav2.PodsMetricSourceType) {
		errs = append(errs, validatePodsSource(m.Pods, p.Child("pods"))...)
	}
	if m.PodResource != nil && selected(mhpav2.PodResourceMetricSourceType) {
		errs = append(errs, validatePodResourceSource(m.PodResource, p.Child("podResource"))...)
	}
	if m.ContainerResource != nil && selected(mhpav2.ContainerResourceMetricSourceType) {
		errs = append(errs, validateContainerResourceSource(m.ContainerResource, p.Child("containerResource"))...)
	}
	if m.External != nil && selected(mhpav2.ExternalMetricSourceType) {
		errs = append(errs, validateExternalSource(m.External, p.Child("external"))...)
	}
	return errs
}

func validateObjectSource(src *mhpav2.ObjectMetricSource, p *field.Path, refOpts referenceOptions) field.ErrorList {
	errs := validateReference(&src.DescribedObject, p.Child("describedObject"), refOpts)
	errs = append(errs, validateMetricIdentifier(&src.Metric, p.Child("metric"))...)
	errs = append(errs, validateTarget(&src.Target, p.Child("target"))...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target", "averageValue"),
			"must set either value or averageValue for an Object metric"))
	}
	errs = append(errs, validateSubdomain(metrics.CustomAPI, src.Subdomain, p.Child("subdomain"))...)
	return errs
}

func validateExternalSource(src *mhpav2.ExternalMetricSource, p *field.Path) field.ErrorList {
	errs := validateMetricIdentifier(&src.Metric, p.Child("metric"))
	errs = append(errs, validateTarget(&src.Target, p.Child("target"))...)
	switch {
	case src.Target.Value == nil && src.Target.AverageValue == nil:
		errs = append(errs, field.Required(p.Child("target", "averageValue"),
			"must set either value (for the metric) or averageValue (per pod) for an External metric"))
	case src.Target.Value != nil && src.Target.AverageValue != nil:
		errs = append(errs, field.Forbidden(p.Child("target", "value"),
			"must not be set together with averageValue: set either value (for the metric) or averageValue (per pod)"))
	}
	errs = append(errs, validateSubdomain(metrics.ExternalAPI, src.Subdomain, p.Child("subdomain"))...)
	return errs
}

func validatePodsSource(src *mhpav2.PodsMetricSource, p *field.Path) field.ErrorList {
	errs := validateMetricIdentifier(&src.Metric, p.Child("metric"))
	errs = append(errs, validateTarget(&src.Target, p.Child("target"))...)
	if src.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target", "averageValue"),
			"must be set to a positive quantity for a Pods metric"))
	}
	errs = append(errs, validateSubdomain(metrics.CustomAPI, src.Subdomain, p.Child("subdomain"))...)
	return errs
}

func validatePodResourceSource(src *mhpav2.ResourceMetricSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if src.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must be set to a resource name, e.g. cpu or memory"))
	}
	errs = append(errs, validateTarget(&src.Target, p.Child("target"))...)
	errs = append(errs, validateResourceTargetValues(&src.Target, p.Child("target"))...)
	errs = append(errs, validateSubdomain(metrics.ResourceAPI, src.Subdomain, p.Child("subdomain"))...)
	return errs
}

func validateContainerResourceSource(src *mhpav2.ContainerResourceMetricSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if src.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must be set to a resource name, e.g. cpu or memory"))
	} else {
		errs = append(errs, validateContainerResourceName(string(src.Name), p.Child("name"))...)
	}
	if src.Container == "" {
		errs = append(errs, field.Required(p.Child("container"), "must be set to the name of a container of the target's pods"))
	} else {
		for _, msg := range utilvalidation.IsDNS1123Label(src.Container) {
			errs = append(errs, field.Invalid(p.Child("container"), src.Container, msg))
		}
	}
	errs = append(errs, validateTarget(&src.Target, p.Child("target"))...)
	errs = append(errs, validateResourceTargetValues(&src.Target, p.Child("target"))...)
	errs = append(errs, validateSubdomain(metrics.ResourceAPI, src.Subdomain, p.Child("subdomain"))...)
	return errs
}

// validateResourceTargetValues checks that a resource metric's target sets exactly one of
// averageUtilization and averageValue.
func validateResourceTargetValues(t *mhpav2.MetricTarget, p *field.Path) field.ErrorList {
	switch {
	case t.AverageUtilization == nil && t.AverageValue == nil:
		return field.ErrorList{field.Required(p.Child("averageUtilization"),
			"must set either averageUtilization (percent of requests) or averageValue (a quantity) for a resource metric")}
	case t.AverageUtilization != nil && t.AverageValue != nil:
		return field.ErrorList{field.Forbidden(p.Child("averageValue"),
			"must not be set together with averageUtilization: set one of them for a resource metric")}
	}
	return nil
}

// Resource names that a container may request, besides hugepages-<size>.
var containerResourceNames = []string{"cpu", "memory", "ephemeral-storage"}

// Unprefixed resource names Kubernetes knows, for the message that tells a resource that is not
// a container's from one that does not exist.
var standardResourceNames = []string{
	"cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
	"limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
	"replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
	"requests.storage", "services.nodeports", "services.loadbalancers",
}

// validateContainerResourceName checks that name is a resource a container can request: cpu,
// memory, ephemeral-storage, hugepages-<size>, or an extended resource (domain/name).
func validateContainerResourceName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range utilvalidation.IsQualifiedName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	hugePages := strings.HasPrefix(name, "hugepages-")
	if !strings.Contains(name, "/") {
		if !slices.Contains(standardResourceNames, name) && !hugePages && !strings.HasPrefix(name, "requests.hugepages-") {
			errs = append(errs, field.Invalid(p, name, "must be a standard resource type or fully qualified"))
		}
		if !slices.Contains(containerResourceNames, name) && !hugePages {
			errs = append(errs, field.Invalid(p, name,
				"must be a standard resource for containers: cpu, memory, ephemeral-storage or hugepages-<size>"))
		}
		return errs
	}
	if strings.Contains(name, "kubernetes.io/") {
		return errs // a native resource with a prefix
	}
	if strings.HasPrefix(name, "requests.") || len(utilvalidation.IsQualifiedName("requests."+name)) > 0 {
		errs = append(errs, field.Invalid(p, name,
			"must follow the extended resource name standard: domain/name, not starting with requests."))
	}
	return errs
}

func validateTarget(t *mhpav2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case t.Type == "":
		errs = append(errs, field.Required(p.Child("type"), "must be set to the target type: one of "+quoteAll(supportedTargetTypes)))
	case !slices.Contains(supportedTargetTypes, string(t.Type)):
		errs = append(errs, field.NotSupported(p.Child("type"), t.Type, supportedTargetTypes))
	}
	errs = append(errs, validatePositiveQuantity(t.Value, p.Child("value"))...)
	errs = append(errs, validatePositiveQuantity(t.AverageValue, p.Child("averageValue"))...)
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), *t.AverageUtilization,
			"must be greater than or equal to 1"))
	}
	return errs
}

func validatePositiveQuantity(q *resource.Quantity, p *field.Path) field.ErrorList {
	if q == nil || q.Sign() > 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(p, q.String(), "must be a quantity greater than 0")}
}

func validateMetricIdentifier(id *mhpav2.MetricIdentifier, p *field.Path) field.ErrorList {
	errs := validatePathSegmentName(id.Name, p.Child("name"), "the name of the metric")
	if id.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(id.Selector,
			metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	}
	return errs
}

// SubdomainMessage says what a subdomain may be.
const SubdomainMessage = "must be empty or a DNS-1123 label: at most 63 lowercase letters, digits or '-', " +
	"starting and ending with a letter or digit (regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

// validateSubdomain checks a metric's subdomain: empty, or a DNS-1123 label S that selects the
// metrics API group S.<base group> of api, where that group is not the default group of another
// metrics API (for resource metrics, "custom" and "external" would name custom.metrics.k8s.io
// and external.metrics.k8s.io).
func validateSubdomain(api metrics.API, subdomain string, p *field.Path) field.ErrorList {
	if subdomain == "" {
		return nil
	}
	if len(utilvalidation.IsDNS1123Label(subdomain)) > 0 {
		return field.ErrorList{field.Invalid(p, subdomain, SubdomainMessage)}
	}
	var fe *field.Error
	if err := metrics.ValidateSubdomain(api, subdomain); errors.As(err, &fe) {
		return field.ErrorList{field.Invalid(p, subdomain, fe.Detail)}
	} else if err != nil {
		return field.ErrorList{field.Invalid(p, subdomain, err.Error())}
	}
	return nil
}

func validateScalingRules(rules *mhpav2.HPAScalingRules, p *field.Path) field.ErrorList {
	if rules == nil {
		return nil
	}
	var errs field.ErrorList
	if w := rules.StabilizationWindowSeconds; w != nil {
		wp := p.Child("stabilizationWindowSeconds")
		if *w < 0 {
			errs = append(errs, field.Invalid(wp, *w, "must be greater than or equal to 0"))
		}
		if *w > MaxStabilizationWindowSeconds {
			errs = append(errs, field.Invalid(wp, *w, fmt.Sprintf("must be less than or equal to %d", MaxStabilizationWindowSeconds)))
		}
	}
	if rules.SelectPolicy != nil {
		sp, v := p.Child("selectPolicy"), string(*rules.SelectPolicy)
		switch {
		case renamedSelectPolicies[v] != "":
			errs = append(errs, field.Invalid(sp, v, renamedMessage(renamedSelectPolicies[v], supportedSelectPolicies)))
		case !slices.Contains(supportedSelectPolicies, v):
			errs = append(errs, field.NotSupported(sp, v, supportedSelectPolicies))
		}
	}
	pp := p.Child("policies")
	if len(rules.Policies) == 0 {
		errs = append(errs, field.Required(pp, "must have at least one policy"))
	}
	for i := range rules.Policies {
		errs = append(errs, validateScalingPolicy(&rules.Policies[i], pp.Index(i))...)
	}
	if rules.Tolerance != nil && rules.Tolerance.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("tolerance"), rules.Tolerance.String(), "must be greater than or equal to 0"))
	}
	return errs
}

func validateScalingPolicy(policy *mhpav2.HPAScalingPolicy, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(supportedScalingPolicyTypes, string(policy.Type)) {
		errs = append(errs, field.NotSupported(p.Child("type"), policy.Type, supportedScalingPolicyTypes))
	}
	if policy.Value < 1 {
		errs = append(errs, field.Invalid(p.Child("value"), policy.Value, "must be greater than or equal to 1"))
	}
	pp := p.Child("periodSeconds")
	if policy.PeriodSeconds < 1 {
		errs = append(errs, field.Invalid(pp, policy.PeriodSeconds, "must be greater than or equal to 1"))
	}
	if policy.PeriodSeconds > MaxPeriodSeconds {
		errs = append(errs, field.Invalid(pp, policy.PeriodSeconds, fmt.Sprintf("must be less than or equal to %d", MaxPeriodSeconds)))
	}
	return errs
}

// renamedMessage explains that a value of an older version has a new name in v2. The CRD's CEL
// rules produce the same text.
func renamedMessage(newName string, supported []string) string {
	return fmt.Sprintf("renamed to %q in %s; supported values: %s", newName, hubVersion, quoteAll(supported))
}

func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}
