package adapter

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// APIKind names one of the three metrics API shapes.
type APIKind string

const (
	// ResourceMetrics is the shape of metrics.k8s.io: PodMetrics and
	// NodeMetrics.
	ResourceMetrics APIKind = "resource"
	// CustomMetrics is the shape of custom.metrics.k8s.io: metrics that
	// describe Kubernetes objects.
	CustomMetrics APIKind = "custom"
	// ExternalMetrics is the shape of external.metrics.k8s.io: metrics that
	// describe no Kubernetes object.
	ExternalMetrics APIKind = "external"
)

// The default group names of the three shapes.
const (
	ResourceMetricsGroup = "metrics.k8s.io"
	CustomMetricsGroup   = "custom.metrics.k8s.io"
	ExternalMetricsGroup = "external.metrics.k8s.io"
)

// Versions returns the versions a shape can be served in, the preferred one
// first.
func (k APIKind) Versions() []string {
	switch k {
	case ResourceMetrics:
		return []string{"v1beta1"}
	case CustomMetrics:
		return []string{"v1beta2", "v1beta1"}
	case ExternalMetrics:
		return []string{"v1beta1"}
	default:
		return nil
	}
}

// KindForGroup infers the shape from a group name: a name that is, or ends
// in ".", one of external.metrics.k8s.io, custom.metrics.k8s.io or
// metrics.k8s.io. Other names have no inferable shape; a Group says its
// shape through the provider it is given.
func KindForGroup(group string) (APIKind, bool) {
	for _, c := range []struct {
		base string
		kind APIKind
	}{
		{ExternalMetricsGroup, ExternalMetrics},
		{CustomMetricsGroup, CustomMetrics},
		{ResourceMetricsGroup, ResourceMetrics},
	} {
		if group == c.base || strings.HasSuffix(group, "."+c.base) {
			return c.kind, true
		}
	}
	return "", false
}

// SubdomainGroup returns the group of a shape under a subdomain, e.g.
// SubdomainGroup(ExternalMetrics, "tenant-a") is
// "tenant-a.external.metrics.k8s.io". An empty subdomain gives the default
// group.
func SubdomainGroup(kind APIKind, subdomain string) string {
	var base string
	switch kind {
	case ResourceMetrics:
		base = ResourceMetricsGroup
	case CustomMetrics:
		base = CustomMetricsGroup
	case ExternalMetrics:
		base = ExternalMetricsGroup
	}
	if subdomain == "" {
		return base
	}
	return subdomain + "." + base
}

// Group is one API group a Server serves. The providers that are set decide
// the shape: PodMetrics and/or NodeMetrics for the resource metrics shape,
// or CustomMetrics, or ExternalMetrics — exactly one shape per group.
type Group struct {
	// Name is the API group, e.g. "external.metrics.k8s.io" or
	// "tenant-a.external.metrics.k8s.io". Any DNS subdomain works.
	Name string

	// Versions are the versions to serve, the preferred one first. Empty
	// means every version of the shape (APIKind.Versions).
	Versions []string

	// PodMetrics serves the PodMetrics resource ("pods").
	PodMetrics PodMetricsProvider
	// NodeMetrics serves the NodeMetrics resource ("nodes").
	NodeMetrics NodeMetricsProvider
	// CustomMetrics serves the custom metrics shape.
	CustomMetrics CustomMetricsProvider
	// ExternalMetrics serves the external metrics shape.
	ExternalMetrics ExternalMetricsProvider
}

// Kind returns the shape the group's providers make it serve ("" if none or
// several are set).
func (g Group) Kind() APIKind {
	var kinds []APIKind
	if g.PodMetrics != nil || g.NodeMetrics != nil {
		kinds = append(kinds, ResourceMetrics)
	}
	if g.CustomMetrics != nil {
		kinds = append(kinds, CustomMetrics)
	}
	if g.ExternalMetrics != nil {
		kinds = append(kinds, ExternalMetrics)
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// ServedVersions returns the versions the group is served in, the preferred
// one first.
func (g Group) ServedVersions() []string {
	if len(g.Versions) > 0 {
		return g.Versions
	}
	return g.Kind().Versions()
}

// GroupVersions returns the served group versions, the preferred one first.
func (g Group) GroupVersions() []schema.GroupVersion {
	var gvs []schema.GroupVersion
	for _, v := range g.ServedVersions() {
		gvs = append(gvs, schema.GroupVersion{Group: g.Name, Version: v})
	}
	return gvs
}

// validate checks one group; path is its field path in the Config.
func (g Group) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if g.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "an API group name such as tenant-a.external.metrics.k8s.io"))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(g.Name) {
			errs = append(errs, field.Invalid(path.Child("name"), g.Name, msg))
		}
	}
	kind := g.Kind()
	if kind == "" {
		errs = append(errs, field.Invalid(path, g.Name,
			"set exactly one shape of provider: podMetrics and/or nodeMetrics, or customMetrics, or externalMetrics"))
		return errs
	}
	if inferred, ok := KindForGroup(g.Name); ok && inferred != kind {
		errs = append(errs, field.Invalid(path.Child("name"), g.Name,
			fmt.Sprintf("the name says the %s metrics shape but the group has a %s metrics provider", inferred, kind)))
	}
	allowed := kind.Versions()
	seen := map[string]bool{}
	for i, v := range g.Versions {
		switch {
		case !slices.Contains(allowed, v):
			errs = append(errs, field.NotSupported(path.Child("versions").Index(i), v, allowed))
		case seen[v]:
			errs = append(errs, field.Duplicate(path.Child("versions").Index(i), v))
		}
		seen[v] = true
	}
	return errs
}
