package adapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NewMetricNotFoundError returns a 404 status error saying that the metric
// does not exist for the resource.
func NewMetricNotFoundError(resource schema.GroupResource, metricName string) *apierrors.StatusError {
	return notFound(fmt.Sprintf("the server could not find the metric %s for %s", metricName, resource.String()))
}

// NewMetricNotFoundForError returns a 404 status error saying that the
// metric does not exist for the named object.
func NewMetricNotFoundForError(resource schema.GroupResource, metricName string, resourceName string) *apierrors.StatusError {
	return notFound(fmt.Sprintf("the server could not find the metric %s for %s %s", metricName, resource.String(), resourceName))
}

// NewMetricNotFoundForSelectorError returns a 404 status error saying that
// the metric does not exist for the named object and metric selector.
func NewMetricNotFoundForSelectorError(resource schema.GroupResource, metricName string, resourceName string, selector labels.Selector) *apierrors.StatusError {
	return notFound(fmt.Sprintf("the server could not find the metric %s for %s %s with selector %s", metricName, resource.String(), resourceName, selector.String()))
}

// NewExternalMetricNotFoundError returns a 404 status error saying that the
// external metric does not exist in the namespace.
func NewExternalMetricNotFoundError(namespace, metricName string) *apierrors.StatusError {
	return notFound(fmt.Sprintf("the server could not find the external metric %s in namespace %s", metricName, namespace))
}

// NewPodMetricsNotFoundError returns a 404 status error saying that there
// are no metrics for the pod.
func NewPodMetricsNotFoundError(namespace, name string) *apierrors.StatusError {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "podmetrics"}, namespace+"/"+name)
}

// NewNodeMetricsNotFoundError returns a 404 status error saying that there
// are no metrics for the node.
func NewNodeMetricsNotFoundError(name string) *apierrors.StatusError {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "nodemetrics"}, name)
}

func notFound(message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Message: message,
	}}
}

// statusError turns a provider error into the status the client receives:
// errors that carry an API status keep it (a provider's NotFound stays a
// 404), an ended request context becomes a 504 timeout, anything else a 500
// internal error.
func statusError(ctx context.Context, err error) error {
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), ctx.Err() != nil:
		return apierrors.NewTimeoutError(fmt.Sprintf("the metrics provider did not answer in time: %v", err), 0)
	default:
		return apierrors.NewInternalError(err)
	}
}
