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
}

// Register adds the conversion, defaulting and validating webhooks to server.
func Register(server webhook.Server, opts Options) error {
	if opts.Scheme == nil || opts.Default == nil {
		return fmt.Errorf("webhook: Register needs a scheme and a defaulting function")
	}
	server.Register(ConvertPath, conversion.NewWebhookHandler(opts.Scheme, conversion.NewRegistry()))
	server.Register(DefaultPath, &admission.Webhook{Handler: &Defaulter{Default: opts.Default}})
	server.Register(ValidatePath, &admission.Webhook{Handler: &Validator{}})
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
type Validator struct{}

// Handle validates a create or an update with the complete rule set of package validation.
func (v *Validator) Handle(_ context.Context, req admission.Request) admission.Response {
	if resp, ok := checkRequest(req); !ok {
		return resp
	}
	errs := validation.ValidateMetricFields(req.Object.Raw)
	hpa := &mhpav2.HorizontalPodAutoscaler{}
	if err := json.Unmarshal(req.Object.Raw, hpa); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the object: %w", err))
	}
	if req.Operation == admissionv1.Update {
		old := &mhpav2.HorizontalPodAutoscaler{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the stored object: %w", err))
		}
		errs = append(errs, validation.ValidateHorizontalPodAutoscalerUpdate(hpa, old)...)
	} else {
		errs = append(errs, validation.ValidateHorizontalPodAutoscaler(hpa)...)
	}
	if len(errs) == 0 {
		return admission.Allowed("")
	}
	return invalid(req, hpa.Name, errs)
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
