package metrics

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// API is one of the three metrics APIs a metric can be read from.
type API int

const (
	// ResourceAPI is the resource metrics API (metrics.k8s.io): pod and container usage.
	ResourceAPI API = iota
	// CustomAPI is the custom metrics API (custom.metrics.k8s.io): pods and object metrics.
	CustomAPI
	// ExternalAPI is the external metrics API (external.metrics.k8s.io).
	ExternalAPI
)

// Base API groups of the metrics APIs, used when a metric has no subdomain.
const (
	ResourceGroup = "metrics.k8s.io"
	CustomGroup   = "custom.metrics.k8s.io"
	ExternalGroup = "external.metrics.k8s.io"
)

// APIs lists every metrics API.
var APIs = []API{ResourceAPI, CustomAPI, ExternalAPI}

// BaseGroup returns the API group of a when no subdomain is set.
func (a API) BaseGroup() string {
	switch a {
	case ResourceAPI:
		return ResourceGroup
	case CustomAPI:
		return CustomGroup
	case ExternalAPI:
		return ExternalGroup
	}
	return ""
}

// String returns a short human name of the API ("resource", "custom", "external").
func (a API) String() string {
	switch a {
	case ResourceAPI:
		return "resource"
	case CustomAPI:
		return "custom"
	case ExternalAPI:
		return "external"
	}
	return fmt.Sprintf("API(%d)", int(a))
}

// Versions returns the versions of a that mhpa can read, most preferred first.
func (a API) Versions() []string {
	switch a {
	case CustomAPI:
		return []string{"v1beta2", "v1beta1"}
	case ResourceAPI, ExternalAPI:
		return []string{"v1beta1"}
	}
	return nil
}

// GroupName returns the API group that serves metrics of api for subdomain:
// the base group when subdomain is empty, "<subdomain>.<base group>" otherwise.
// It never falls back to the base group for a non-empty subdomain.
func GroupName(api API, subdomain string) string {
	if subdomain == "" {
		return api.BaseGroup()
	}
	return subdomain + "." + api.BaseGroup()
}

// ValidateSubdomain checks that subdomain is empty (the default group) or a
// DNS-1123 label, and that the group it yields for api is not the base group
// of another metrics API (for the resource metrics API, the subdomains
// "custom" and "external" would name custom.metrics.k8s.io and
// external.metrics.k8s.io).
func ValidateSubdomain(api API, subdomain string) error {
	if subdomain == "" {
		return nil
	}
	path := field.NewPath("subdomain")
	if msgs := validation.IsDNS1123Label(subdomain); len(msgs) > 0 {
		return field.Invalid(path, subdomain, strings.Join(msgs, "; "))
	}
	group := GroupName(api, subdomain)
	for _, other := range APIs {
		if other != api && other.BaseGroup() == group {
			return field.Invalid(path, subdomain, fmt.Sprintf(
				"for the %s metrics API it names group %s, which is the %s metrics API; choose another subdomain",
				api, group, other))
		}
	}
	return nil
}
