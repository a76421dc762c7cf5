package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/controller-runtime/pkg/webhook/conversion"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/validation"
)

// Paths the webhooks are served at. The manifests in config/webhook and the CRD's conversion
// webhook point to them.
const (
	ConvertPath  = "/convert"
	ValidatePath = "/validate"
	DefaultPath  = "/default"
)

// hpaKind is the group and kind every admission request must be for.
var hpaKind = schema.GroupKind{Group: mhpav2.GroupVersion.Group, Kind: "HorizontalPodAutoscaler"}

// Options configure Register.
type Options struct {
	// Scheme holds every version of the API, each spoke convertible to the v2 hub.
	Scheme *runtime.Scheme
	// Default fills in the defaults of a v2 object.
	Default func(*mhpav2.HorizontalPodAutoscaler)
	// AuthorizeSubdomains makes the validating webhook check that the requesting user may use
	// each metrics subdomain an autoscaler adds (see SubdomainAuthorizer). Turn it off only
	// where every user who may write autoscalers may read every metrics server.
	AuthorizeSubdomains bool
	// SubjectAccessReviews asks the API server for the check; required with
	// AuthorizeSubdomains.
	SubjectAccessReviews authorizationv1client.SubjectAccessReviewInterface
}

// Register adds the conversion, defaulting and validating webhooks to server.
func Register(server webhook.Server, opts Options) error {
	if opts.Scheme == nil || opts.Default == nil {
		return fmt.Errorf("webhook: Register needs a scheme and a defaulting function")
	}
	validator := &Validator{}
	if opts.AuthorizeSubdomains {
		if opts.SubjectAccessReviews == nil {
			return fmt.Errorf("webhook: authorizing subdomains needs a SubjectAccessReview client")
		}
		validator.Subdomains = &SubdomainAuthorizer{Reviews: opts.SubjectAccessReviews}
	}
	server.Register(ConvertPath, conversion.NewWebhookHandler(opts.Scheme, conversion.NewRegistry()))
	server.Register(DefaultPath, &admission.Webhook{Handler: &Defaulter{Default: opts.Default}})
	server.Register(ValidatePath, &admission.Webhook{Handler: validator})
	return nil
}

// checkRequest returns an error response unless req is a create or update of a v2
// HorizontalPodAutoscaler; ok reports whether the handler should go on.
func checkRequest(req admission.Request) (resp admission.Response, ok bool) {
	if req.Kind.Group != hpaKind.Group || req.Kind.Kind != hpaKind.Kind || req.Kind.Version != mhpav2.GroupVersion.Version {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf(
			"this webhook handles %s HorizontalPodAutoscalers only, got %s; register it with matchPolicy Equivalent for v2",
			mhpav2.GroupVersion, req.Kind)), false
	}
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed(""), false
	}
	return admission.Response{}, true
}

// Defaulter is the admission handler that fills in defaults.
type Defaulter struct {
	// Default fills in the defaults of a v2 object.
	Default func(*mhpav2.HorizontalPodAutoscaler)
}

// Handle returns a patch that sets the defaults. The patch is computed between the object before
// and after defaulting, both as the Go types see them, so it adds defaults and touches nothing
// else: fields the Go types do not know (a "resource" of an older version) stay for the
// validating webhook to reject.
func (d *Defaulter) Handle(_ context.Context, req admission.Request) admission.Response {
	if resp, ok := checkRequest(req); !ok {
		return resp
	}
	hpa := &mhpav2.HorizontalPodAutoscaler{}
	if err := json.Unmarshal(req.Object.Raw, hpa); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the object: %w", err))
	}
	before, err := json.Marshal(hpa)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	d.Default(hpa)
	after, err := json.Marshal(hpa)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(before, after)
}

// Validator is the admission handler that validates HorizontalPodAutoscalers.
type Validator struct {
	// Subdomains, if set, checks that the requesting user may use the metrics subdomains that
	// a create or an update adds; nil turns the check off.
	Subdomains *SubdomainAuthorizer
}

// Handle validates a create or an update with the complete rule set of package validation
// and then, for a valid object, checks the requesting user's permission to use the metrics
// subdomains it adds. Invalid objects are refused with 422 Invalid, subdomains the user may
// not use with 403 Forbidden.
func (v *Validator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if resp, ok := checkRequest(req); !ok {
		return resp
	}
	errs := validation.ValidateMetricFields(req.Object.Raw)
	hpa := &mhpav2.HorizontalPodAutoscaler{}
	if err := json.Unmarshal(req.Object.Raw, hpa); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the object: %w", err))
	}
	var old *mhpav2.HorizontalPodAutoscaler
	if req.Operation == admissionv1.Update {
		old = &mhpav2.HorizontalPodAutoscaler{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the stored object: %w", err))
		}
		errs = append(errs, validation.ValidateHorizontalPodAutoscalerUpdate(hpa, old)...)
	} else {
		errs = append(errs, validation.ValidateHorizontalPodAutoscaler(hpa)...)
	}
	if len(errs) > 0 {
		return invalid(req, hpa.Name, errs)
	}
	if v.Subdomains == nil {
		return admission.Allowed("")
	}
	denied, err := v.Subdomains.Authorize(ctx, AuthorizeInput{User: req.UserInfo, Namespace: req.Namespace, New: hpa, Old: old})
	if err != nil {
		return authorizationFailed(err)
	}
	if len(denied) > 0 {
		return forbidden(req, hpa.Name, denied)
	}
	return admission.Allowed("")
}

// invalid denies a request the way the API server rejects an invalid object: status 422, reason
// Invalid, one cause per field error. A request sent in another version was converted to v2 for
// validation, and the message says so, since its field paths are those of v2.
func invalid(req admission.Request, name string, errs field.ErrorList) admission.Response {
	status := apierrors.NewInvalid(hpaKind, name, errs).ErrStatus
	if rk := req.RequestKind; rk != nil && rk.Version != req.Kind.Version {
		status.Message += fmt.Sprintf(" (the request was %s/%s; the field paths are those of %s, the version it was validated in)",
			rk.Group, rk.Version, mhpav2.GroupVersion)
	}
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{Allowed: false, Result: &status}}
}
