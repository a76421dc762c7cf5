package webhook

import (
	"context"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

// The permission a user needs to point an autoscaler at metrics subdomain S: verb "use" on
// resource "metricsubdomains" of group autoscaling.mhpa.dev, named S, in the autoscaler's
// namespace. Nothing serves the resource; it exists only in RBAC rules and
// SubjectAccessReviews.
const (
	SubdomainVerb     = "use"
	SubdomainResource = "metricsubdomains"
)

// hpaResource is the resource of autoscalers, for Forbidden answers.
var hpaResource = schema.GroupResource{Group: mhpav2.GroupVersion.Group, Resource: "horizontalpodautoscalers"}

// SubdomainUse is one metric source of an autoscaler that reads from a metrics subdomain.
type SubdomainUse struct {
	// Subdomain is the metric source's subdomain, never empty.
	Subdomain string
	// Path is the field that sets it, e.g. spec.metrics[1].external.subdomain.
	Path *field.Path
}

// SubdomainUses lists the metric sources of spec that set a subdomain, in the order of
// spec.metrics: every source that is set, of every metric, shadow metrics included.
func SubdomainUses(spec *mhpav2.HorizontalPodAutoscalerSpec) []SubdomainUse {
	var uses []SubdomainUse
	for i := range spec.Metrics {
		m := &spec.Metrics[i]
		p := field.NewPath("spec", "metrics").Index(i)
		add := func(source, subdomain string) {
			if subdomain != "" {
				uses = append(uses, SubdomainUse{Subdomain: subdomain, Path: p.Child(source, "subdomain")})
			}
		}
		if m.PodResource != nil {
			add("podResource", m.PodResource.Subdomain)
		}
		if m.ContainerResource != nil {
			add("containerResource", m.ContainerResource.Subdomain)
		}
		if m.Pods != nil {
			add("pods", m.Pods.Subdomain)
		}
		if m.Object != nil {
			add("object", m.Object.Subdomain)
		}
		if m.External != nil {
			add("external", m.External.Subdomain)
		}
	}
	return uses
}

// SubdomainAuthorizer decides whether the user of an admission request may use the metrics
// subdomains an autoscaler names, by asking the API server a SubjectAccessReview for each.
type SubdomainAuthorizer struct {
	// Reviews creates SubjectAccessReviews; the webhook's identity needs create on
	// subjectaccessreviews.authorization.k8s.io.
	Reviews authorizationv1client.SubjectAccessReviewInterface
}

// AuthorizeInput is what Authorize decides about.
type AuthorizeInput struct {
	// User made the request, as the admission request names them.
	User authenticationv1.UserInfo
	// Namespace is the autoscaler's namespace.
	Namespace string
	// New is the autoscaler as it would be stored.
	New *mhpav2.HorizontalPodAutoscaler
	// Old is the stored autoscaler on update; nil on create.
	Old *mhpav2.HorizontalPodAutoscaler
}

// Authorize returns a Forbidden error for each subdomain that in.New uses and in.Old did not
// (every subdomain on create) which in.User may not use in in.Namespace, at the first field
// that names it. Each distinct subdomain is reviewed once; the default (empty) subdomain needs
// no permission, and neither does a subdomain the stored object already used, so an update
// that keeps the subdomains as they are is never refused for them. The error is for a review
// that could not be made.
func (a *SubdomainAuthorizer) Authorize(ctx context.Context, in AuthorizeInput) (field.ErrorList, error) {
	had := map[string]bool{}
	if in.Old != nil {
		for _, u := range SubdomainUses(&in.Old.Spec) {
			had[u.Subdomain] = true
		}
	}
	var errs field.ErrorList
	reviewed := map[string]bool{}
	for _, u := range SubdomainUses(&in.New.Spec) {
		if had[u.Subdomain] || reviewed[u.Subdomain] {
			continue
		}
		reviewed[u.Subdomain] = true
		status, err := a.review(ctx, in.User, in.Namespace, u.Subdomain)
		if err != nil {
			return nil, fmt.Errorf("asking whether user %q may use metrics subdomain %q in namespace %q: %w",
				in.User.Username, u.Subdomain, in.Namespace, err)
		}
		if status.Allowed {
			continue
		}
		errs = append(errs, field.Forbidden(u.Path, DeniedMessage(in.User.Username, in.Namespace, u.Subdomain, status.Reason)))
	}
	return errs, nil
}

// DeniedMessage says that user may not use subdomain in namespace and which permission is
// missing; reason, the authorizer's explanation, is added when it gives one.
func DeniedMessage(user, namespace, subdomain, reason string) string {
	msg := fmt.Sprintf("user %q may not use metrics subdomain %q in namespace %q: needs verb %q on %s.%s %q",
		user, subdomain, namespace, SubdomainVerb, SubdomainResource, mhpav2.GroupVersion.Group, subdomain)
	if reason != "" {
		msg += " (" + reason + ")"
	}
	return msg
}

// review asks whether user may use subdomain in namespace.
func (a *SubdomainAuthorizer) review(ctx context.Context, user authenticationv1.UserInfo, namespace, subdomain string) (authorizationv1.SubjectAccessReviewStatus, error) {
	var extra map[string]authorizationv1.ExtraValue
	if len(user.Extra) > 0 {
		extra = make(map[string]authorizationv1.ExtraValue, len(user.Extra))
		for k, v := range user.Extra {
			extra[k] = authorizationv1.ExtraValue(v)
		}
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user.Username,
		UID:    user.UID,
		Groups: user.Groups,
		Extra:  extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace,
			Verb:      SubdomainVerb,
			Group:     mhpav2.GroupVersion.Group,
			Resource:  SubdomainResource,
			Name:      subdomain,
		},
	}}
	got, err := a.Reviews.Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return authorizationv1.SubjectAccessReviewStatus{}, err
	}
	return got.Status, nil
}

// forbidden denies a request the way the API server denies an unauthorized one: status 403,
// reason Forbidden, with one cause per field that names a subdomain the user may not use.
func forbidden(req admission.Request, name string, errs field.ErrorList) admission.Response {
	status := apierrors.NewForbidden(hpaResource, name, errs.ToAggregate()).ErrStatus
	for _, e := range errs {
		status.Details.Causes = append(status.Details.Causes, metav1.StatusCause{
			Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field,
		})
	}
	if rk := req.RequestKind; rk != nil && rk.Version != req.Kind.Version {
		status.Message += fmt.Sprintf(" (the request was %s/%s; the field paths are those of %s, the version it was checked in)",
			rk.Group, rk.Version, mhpav2.GroupVersion)
	}
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{Allowed: false, Result: &status}}
}

// authorizationFailed answers a request whose permissions could not be checked.
func authorizationFailed(err error) admission.Response {
	return admission.Errored(http.StatusInternalServerError, err)
}
