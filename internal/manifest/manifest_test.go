package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"NS": "mhpa-system", "EMPTY": ""}
	tests := map[string]struct{ in, want string }{
		"no reference":       {in: "--leader-elect", want: "--leader-elect"},
		"defined":            {in: "--cert-secret=$(NS)/certs", want: "--cert-secret=mhpa-system/certs"},
		"twice":              {in: "$(NS)/$(NS)", want: "mhpa-system/mhpa-system"},
		"defined but empty":  {in: "a$(EMPTY)b", want: "ab"},
		"undefined is kept":  {in: "--x=$(OTHER)", want: "--x=$(OTHER)"},
		"escaped":            {in: "$$(NS)", want: "$(NS)"},
		"unterminated":       {in: "--x=$(NS", want: "--x=$(NS"},
		"lone dollar":        {in: "cost: 5$", want: "cost: 5$"},
		"dollar then letter": {in: "$NS", want: "$NS"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Expand(tc.in, env)); diff != "" {
				t.Errorf("Expand(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestContainerArgs(t *testing.T) {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "mhpa-controller", Namespace: "ops"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "manager",
			Args: []string{"--leader-election-namespace=$(POD_NAMESPACE)", "--cert-secret=$(POD_NAMESPACE)/$(SECRET)", "--other=$(UNSET)"},
			Env: []corev1.EnvVar{
				{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
				{Name: "SECRET", Value: "certs-$(POD_NAMESPACE)"},
			},
		}}}}},
	}
	got, err := ContainerArgs(d, "manager")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--leader-election-namespace=ops", "--cert-secret=ops/certs-ops", "--other=$(UNSET)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if _, err := ContainerArgs(d, "sidecar"); err == nil {
		t.Error("a missing container gave no error")
	}
	d.Spec.Template.Spec.Containers[0].Env = append(d.Spec.Template.Spec.Containers[0].Env, corev1.EnvVar{
		Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}},
	})
	if _, err := ContainerArgs(d, "manager"); err == nil {
		t.Error("an env var whose value only a pod knows gave no error")
	}
}
