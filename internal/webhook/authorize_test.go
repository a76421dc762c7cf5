package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/validation/validationtest"
	mhpawebhook "github.com/mhpa-dev/mhpa/internal/webhook"
)

// grant is one permission of the fake authorizer: user may use subdomain in namespace.
type grant struct{ user, namespace, subdomain string }

// reviewer answers SubjectAccessReviews from a fixed set of grants and records every review.
type reviewer struct {
	grants map[grant]bool
	reason string
	err    error

	mu      sync.Mutex
	reviews []authorizationv1.SubjectAccessReviewSpec
}

// client returns a fake clientset whose SubjectAccessReviews r answers.
func (r *reviewer) client() *fake.Clientset {
	cs := fake.NewClientset()
	cs.PrependReactor("create", "subjectaccessreviews", func(action k8stesting.Action) (bool, runtime.Object, error) {
		sar := action.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		r.mu.Lock()
		r.reviews = append(r.reviews, sar.Spec)
		r.mu.Unlock()
		if r.err != nil {
			return true, nil, r.err
		}
		ra := sar.Spec.ResourceAttributes
		out := sar.DeepCopy()
		out.Status.Allowed = ra != nil && ra.Verb == "use" && ra.Group == "autoscaling.mhpa.dev" && ra.Resource == "metricsubdomains" &&
			r.grants[grant{sar.Spec.User, ra.Namespace, ra.Name}]
		if !out.Status.Allowed {
			out.Status.Reason = r.reason
		}
		return true, out, nil
	})
	return cs
}

// reviewed returns the subdomains reviewed so far, in order.
func (r *reviewer) reviewed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, s := range r.reviews {
		names = append(names, s.ResourceAttributes.Name)
	}
	return names
}

var alice = authenticationv1.UserInfo{
	Username: "alice", UID: "uid-alice", Groups: []string{"team-a-devs", "system:authenticated"},
	Extra: map[string]authenticationv1.ExtraValue{"scopes": {"hpa"}},
}

// withMetrics returns a valid autoscaler with metrics.
func withMetrics(metrics ...mhpav2.MetricSpec) *mhpav2.HorizontalPodAutoscaler {
	h := validationtest.Valid("web")
	h.Namespace = "team-a"
	h.Spec.Metrics = metrics
	return h
}

func external(subdomain string) mhpav2.MetricSpec {
	m := validationtest.ExternalMetric()
	m.External.Subdomain = subdomain
	return m
}

func pods(subdomain string) mhpav2.MetricSpec {
	m := validationtest.PodsMetric()
	m.Pods.Subdomain = subdomain
	return m
}

func shadow(m mhpav2.MetricSpec) mhpav2.MetricSpec {
	m.Shadow = true
	return m
}

func TestSubdomainUses(t *testing.T) {
	cpu := validationtest.CPUMetric(50)
	cpu.PodResource.Subdomain = "usage"
	container := validationtest.ContainerMetric()
	container.ContainerResource.Subdomain = "usage"
	object := validationtest.ObjectMetric()
	object.Object.Subdomain = "prom"
	h := withMetrics(cpu, container, pods(""), object, shadow(external("queues")), pods("prom"))
	var got []string
	for _, u := range mhpawebhook.SubdomainUses(&h.Spec) {
		got = append(got, u.Path.String()+"="+u.Subdomain)
	}
	want := []string{
		"spec.metrics[0].podResource.subdomain=usage",
		"spec.metrics[1].containerResource.subdomain=usage",
		"spec.metrics[3].object.subdomain=prom",
		"spec.metrics[4].external.subdomain=queues",
		"spec.metrics[5].pods.subdomain=prom",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uses (-want +got):\n%s", diff)
	}
}

func TestValidatorAuthorizesSubdomains(t *testing.T) {
	grants := map[grant]bool{
		{"alice", "team-a", "tenant-a"}: true,
		{"alice", "team-b", "tenant-b"}: true,
	}
	deniedB := `spec.metrics[1].external.subdomain: Forbidden: user "alice" may not use metrics subdomain "tenant-b" in namespace "team-a": ` +
		`needs verb "use" on metricsubdomains.autoscaling.mhpa.dev "tenant-b"`
	tests := []struct {
		name      string
		op        admissionv1.Operation
		obj, old  *mhpav2.HorizontalPodAutoscaler
		reason    string
		reviewErr error
		checkOff  bool
		// wantCode is 0 for an allowed request.
		wantCode     int32
		wantMessage  []string
		wantCauses   []string
		wantReviewed []string
	}{
		{
			name: "no subdomain needs no review",
			op:   admissionv1.Create, obj: withMetrics(external(""), pods("")),
		},
		{
			name: "granted subdomain",
			op:   admissionv1.Create, obj: withMetrics(external("tenant-a")),
			wantReviewed: []string{"tenant-a"},
		},
		{
			name: "subdomain granted in another namespace only",
			op:   admissionv1.Create, obj: withMetrics(external(""), external("tenant-b")),
			wantCode: http.StatusForbidden, wantMessage: []string{deniedB, `horizontalpodautoscalers.autoscaling.mhpa.dev "web" is forbidden`},
			wantCauses: []string{"spec.metrics[1].external.subdomain"}, wantReviewed: []string{"tenant-b"},
		},
		{
			name: "each subdomain reviewed once, shadow metrics too, denial at its first field",
			op:   admissionv1.Create, obj: withMetrics(pods("tenant-a"), shadow(external("tenant-c")), external("tenant-a"), pods("tenant-c")),
			wantCode:     http.StatusForbidden,
			wantMessage:  []string{`spec.metrics[1].external.subdomain: Forbidden: user "alice" may not use metrics subdomain "tenant-c"`},
			wantCauses:   []string{"spec.metrics[1].external.subdomain"},
			wantReviewed: []string{"tenant-a", "tenant-c"},
		},
		{
			name: "every denied subdomain is named",
			op:   admissionv1.Create, obj: withMetrics(pods("tenant-b"), external("tenant-c")),
			wantCode:     http.StatusForbidden,
			wantMessage:  []string{`metrics subdomain "tenant-b"`, `metrics subdomain "tenant-c"`},
			wantCauses:   []string{"spec.metrics[0].pods.subdomain", "spec.metrics[1].external.subdomain"},
			wantReviewed: []string{"tenant-b", "tenant-c"},
		},
		{
			name: "the authorizer's reason is passed on",
			op:   admissionv1.Create, obj: withMetrics(external("tenant-c")), reason: "no RBAC policy matched",
			wantCode:     http.StatusForbidden,
			wantMessage:  []string{`"tenant-c" (no RBAC policy matched)`},
			wantCauses:   []string{"spec.metrics[0].external.subdomain"},
			wantReviewed: []string{"tenant-c"},
		},
		{
			name: "update that keeps a subdomain the user may not use",
			op:   admissionv1.Update, obj: withMetrics(external("tenant-b")), old: withMetrics(external("tenant-b"), pods("")),
		},
		{
			name: "update that adds a subdomain",
			op:   admissionv1.Update, obj: withMetrics(external("tenant-a"), external("tenant-b")), old: withMetrics(external("tenant-a")),
			wantCode: http.StatusForbidden, wantMessage: []string{deniedB},
			wantCauses: []string{"spec.metrics[1].external.subdomain"}, wantReviewed: []string{"tenant-b"},
		},
		{
			name: "update that changes a subdomain",
			op:   admissionv1.Update, obj: withMetrics(pods("tenant-b")), old: withMetrics(pods("tenant-a")),
			wantCode:     http.StatusForbidden,
			wantMessage:  []string{`spec.metrics[0].pods.subdomain: Forbidden: user "alice" may not use metrics subdomain "tenant-b"`},
			wantCauses:   []string{"spec.metrics[0].pods.subdomain"},
			wantReviewed: []string{"tenant-b"},
		},
		{
			name: "update that moves a granted subdomain to another metric",
			op:   admissionv1.Update, obj: withMetrics(external(""), pods("tenant-a")), old: withMetrics(external("tenant-a")),
		},
		{
			name: "an invalid object is refused as invalid without a review",
			op:   admissionv1.Create, obj: func() *mhpav2.HorizontalPodAutoscaler {
				cpu := validationtest.CPUMetric(50)
				cpu.PodResource.Subdomain = "custom"
				return withMetrics(external("tenant-b"), cpu)
			}(),
			wantCode:    http.StatusUnprocessableEntity,
			wantMessage: []string{`spec.metrics[1].podResource.subdomain: Invalid value: "custom"`},
			wantCauses:  []string{"spec.metrics[1].podResource.subdomain"},
		},
		{
			name: "a review that fails refuses the request",
			op:   admissionv1.Create, obj: withMetrics(external("tenant-a")), reviewErr: errors.New("connection refused"),
			wantCode:     http.StatusInternalServerError,
			wantMessage:  []string{`asking whether user "alice" may use metrics subdomain "tenant-a" in namespace "team-a": connection refused`},
			wantReviewed: []string{"tenant-a"},
		},
		{
			name: "check turned off",
			op:   admissionv1.Create, obj: withMetrics(external("tenant-b")), checkOff: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &reviewer{grants: grants, reason: tc.reason, err: tc.reviewErr}
			v := &mhpawebhook.Validator{}
			if !tc.checkOff {
				v.Subdomains = &mhpawebhook.SubdomainAuthorizer{Reviews: r.client().AuthorizationV1().SubjectAccessReviews()}
			}
			var old any
			if tc.old != nil {
				old = tc.old
			}
			req := request(t, tc.op, tc.obj, old)
			req.Namespace, req.UserInfo = "team-a", alice
			resp := v.Handle(context.Background(), req)

			if tc.wantCode == 0 {
				if !resp.Allowed {
					t.Errorf("denied: %v", resp.Result)
				}
			} else {
				if resp.Allowed {
					t.Fatalf("allowed, want code %d", tc.wantCode)
				}
				if resp.Result.Code != tc.wantCode {
					t.Errorf("code %d, want %d (%s)", resp.Result.Code, tc.wantCode, resp.Result.Message)
				}
				for _, m := range tc.wantMessage {
					if !strings.Contains(resp.Result.Message, m) {
						t.Errorf("message %q does not contain %q", resp.Result.Message, m)
					}
				}
				var causes []string
				if resp.Result.Details != nil {
					for _, c := range resp.Result.Details.Causes {
						causes = append(causes, c.Field)
					}
				}
				if diff := cmp.Diff(tc.wantCauses, causes); diff != "" {
					t.Errorf("causes (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tc.wantReviewed, r.reviewed()); diff != "" {
				t.Errorf("reviewed subdomains (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSubjectAccessReview checks every attribute of the review: the requesting user as the
// admission request names them, and the permission in the autoscaler's namespace.
func TestSubjectAccessReview(t *testing.T) {
	r := &reviewer{}
	v := &mhpawebhook.Validator{Subdomains: &mhpawebhook.SubdomainAuthorizer{Reviews: r.client().AuthorizationV1().SubjectAccessReviews()}}
	req := request(t, admissionv1.Create, withMetrics(external("tenant-a")), nil)
	req.Namespace, req.UserInfo = "team-a", alice
	v.Handle(context.Background(), req)
	want := []authorizationv1.SubjectAccessReviewSpec{{
		User: "alice", UID: "uid-alice", Groups: []string{"team-a-devs", "system:authenticated"},
		Extra: map[string]authorizationv1.ExtraValue{"scopes": {"hpa"}},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: "team-a", Verb: "use", Group: "autoscaling.mhpa.dev", Resource: "metricsubdomains", Name: "tenant-a",
		},
	}}
	if diff := cmp.Diff(want, r.reviews); diff != "" {
		t.Errorf("reviews (-want +got):\n%s", diff)
	}
}

func TestForbiddenNamesTheRequestVersion(t *testing.T) {
	r := &reviewer{}
	v := &mhpawebhook.Validator{Subdomains: &mhpawebhook.SubdomainAuthorizer{Reviews: r.client().AuthorizationV1().SubjectAccessReviews()}}
	req := request(t, admissionv1.Create, withMetrics(external("tenant-b")), nil)
	req.Namespace, req.UserInfo = "team-a", alice
	req.RequestKind = &metav1.GroupVersionKind{Group: "autoscaling.mhpa.dev", Version: "v2beta2", Kind: "HorizontalPodAutoscaler"}
	resp := v.Handle(context.Background(), req)
	if resp.Allowed || !strings.Contains(resp.Result.Message, "the request was autoscaling.mhpa.dev/v2beta2") {
		t.Errorf("response %v does not name the request's version", resp.Result)
	}
}

func TestRegisterNeedsAReviewClientToAuthorize(t *testing.T) {
	opts := mhpawebhook.Options{Scheme: runtime.NewScheme(), Default: mhpav2.SetDefaults_HorizontalPodAutoscaler, AuthorizeSubdomains: true}
	if err := mhpawebhook.Register(webhook.NewServer(webhook.Options{}), opts); err == nil {
		t.Errorf("Register without a SubjectAccessReview client succeeded")
	}
	opts.SubjectAccessReviews = (&reviewer{}).client().AuthorizationV1().SubjectAccessReviews()
	if err := mhpawebhook.Register(webhook.NewServer(webhook.Options{}), opts); err != nil {
		t.Errorf("Register: %v", err)
	}
}
