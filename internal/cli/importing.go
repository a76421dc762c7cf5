package cli

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// ForImport returns h's autoscaler as `kubectl mhpa import` writes and applies it: an
// autoscaling.mhpa.dev/v2 object with the name, namespace, labels, annotations and spec of the
// original, without what belongs to the original object alone (uid, resourceVersion, creation
// time, managed fields, owner references, finalizers, the last applied configuration of
// `kubectl apply`) and without status. The spec is not defaulted, so that it reads as the
// original was written. It fails when the object would not be valid (checked on a defaulted
// copy, as the API server checks it), naming the field and the source.
func ForImport(h *HPA) (*unstructured.Unstructured, error) {
	check := &HPA{Source: h.Source, Line: h.Line, APIVersion: h.APIVersion, Object: h.Object.DeepCopy(), doc: h.doc}
	if err := DefaultAndValidate(check); err != nil {
		return nil, err
	}
	src := h.Object
	out := &v2.HorizontalPodAutoscaler{Spec: *src.Spec.DeepCopy()}
	out.APIVersion, out.Kind = v2.GroupVersion.String(), HPAKind
	out.Name, out.Namespace = src.Name, src.Namespace
	out.Labels = src.Labels
	if len(src.Annotations) > 0 {
		out.Annotations = map[string]string{}
		for k, v := range src.Annotations {
			if k != corev1.LastAppliedConfigAnnotation {
				out.Annotations[k] = v
			}
		}
		if len(out.Annotations) == 0 {
			out.Annotations = nil
		}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal(data, &u.Object); err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	if out.Name == "" {
		return nil, fmt.Errorf("%s:%d: metadata.name: the autoscaler has no name", h.Source, h.Line)
	}
	return u, nil
}
