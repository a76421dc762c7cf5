package aggregated

import (
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

// The decoders below read JSON into the k8s.io/metrics types. They accept any
// group in apiVersion (a server under a subdomain answers with its own group)
// but check the kind, and read custom metrics in the version the answer says
// it is in when that is a known one.

// answerVersion checks the kind of an answer and returns the version its
// apiVersion names (empty when it names none).
func answerVersion(body []byte, wantKind string) (string, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(body, &tm); err != nil {
		return "", fmt.Errorf("decoding the answer: %w", err)
	}
	if tm.Kind != "" && tm.Kind != wantKind {
		return "", fmt.Errorf("the answer is of kind %q (apiVersion %q), expected %s", tm.Kind, tm.APIVersion, wantKind)
	}
	if tm.APIVersion == "" {
		return "", nil
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return "", fmt.Errorf("the answer has an invalid apiVersion %q: %w", tm.APIVersion, err)
	}
	return gv.Version, nil
}

// customValue is a custom metric value in a version-independent shape.
type customValue struct {
	object    string
	timestamp time.Time
	window    time.Duration
	milli     int64
}

// decodeCustom decodes a MetricValueList of custom metrics API version
// requested (or of the version the answer names).
func decodeCustom(body []byte, requested string) ([]customValue, error) {
	version, err := answerVersion(body, "MetricValueList")
	if err != nil {
		return nil, err
	}
	if version != "v1beta1" && version != "v1beta2" {
		version = requested
	}
	window := func(seconds *int64) time.Duration {
		if seconds == nil {
			return metrics.DefaultMetricWindow
		}
		return time.Duration(*seconds) * time.Second
	}
	var out []customValue
	if version == "v1beta1" {
		var list cmv1beta1.MetricValueList
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("decoding the MetricValueList: %w", err)
		}
		for _, v := range list.Items {
			out = append(out, customValue{object: v.DescribedObject.Name, timestamp: v.Timestamp.Time,
				window: window(v.WindowSeconds), milli: v.Value.MilliValue()})
		}
		return out, nil
	}
	var list cmv1beta2.MetricValueList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decoding the MetricValueList: %w", err)
	}
	for _, v := range list.Items {
		out = append(out, customValue{object: v.DescribedObject.Name, timestamp: v.Timestamp.Time,
			window: window(v.WindowSeconds), milli: v.Value.MilliValue()})
	}
	return out, nil
}

// decodeExternal decodes an ExternalMetricValueList.
func decodeExternal(body []byte) (*emv1beta1.ExternalMetricValueList, error) {
	if _, err := answerVersion(body, "ExternalMetricValueList"); err != nil {
		return nil, err
	}
	var list emv1beta1.ExternalMetricValueList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decoding the ExternalMetricValueList: %w", err)
	}
	return &list, nil
}

// decodePodMetrics decodes a PodMetricsList.
func decodePodMetrics(body []byte) (*metricsv1beta1.PodMetricsList, error) {
	if _, err := answerVersion(body, "PodMetricsList"); err != nil {
		return nil, err
	}
	var list metricsv1beta1.PodMetricsList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decoding the PodMetricsList: %w", err)
	}
	return &list, nil
}
