package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// DecodeHPAs decodes every HorizontalPodAutoscaler of a manifest and converts each to
// autoscaling.mhpa.dev/v2, without defaulting. The manifest may hold several documents and
// Lists of them, as `kubectl get hpa -o yaml` writes them (kind List or
// HorizontalPodAutoscalerList). Documents and items of other kinds are skipped. source names
// the manifest in messages.
func DecodeHPAs(source string, data []byte) ([]*HPA, error) {
	var found []*HPA
	for _, doc := range splitDocuments(data) {
		if len(bytes.TrimSpace(stripComments(doc.data))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc.data, &tm); err != nil {
			return nil, fmt.Errorf("%s:%d: %s", source, doc.line, fixLines(err.Error(), doc.line))
		}
		switch {
		case tm.Kind == HPAKind:
			h, err := decodeOne(source, doc, tm)
			if err != nil {
				return nil, err
			}
			found = append(found, h)
		case tm.Kind == "List" || strings.HasSuffix(tm.Kind, "List"):
			items, err := listItems(source, doc)
			if err != nil {
				return nil, err
			}
			found = append(found, items...)
		case tm.Kind == "" && tm.APIVersion == "":
			return nil, fmt.Errorf("%s:%d: document has no apiVersion and kind: a HorizontalPodAutoscaler needs apiVersion (one of %s) and kind: %s",
				source, doc.line, strings.Join(SupportedAPIVersions, ", "), HPAKind)
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: no HorizontalPodAutoscaler found: expected documents (or List items) with kind: %s and apiVersion one of %s",
			source, HPAKind, strings.Join(SupportedAPIVersions, ", "))
	}
	return found, nil
}

// listItems decodes the HorizontalPodAutoscalers among the items of a List document. Lines in
// messages are the List's first line: items have none of their own once decoded.
func listItems(source string, doc document) ([]*HPA, error) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := yaml.Unmarshal(doc.data, &list); err != nil {
		return nil, fmt.Errorf("%s:%d: %s", source, doc.line, fixLines(err.Error(), doc.line))
	}
	var out []*HPA
	for i, raw := range list.Items {
		var tm metav1.TypeMeta
		if err := json.Unmarshal(raw, &tm); err != nil {
			return nil, fmt.Errorf("%s:%d: items[%d]: %w", source, doc.line, i, err)
		}
		if tm.Kind != HPAKind {
			continue
		}
		item, err := yaml.JSONToYAML(raw)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: items[%d]: %w", source, doc.line, i, err)
		}
		h, err := decodeOne(fmt.Sprintf("%s (items[%d])", source, i), document{data: item, line: doc.line}, tm)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
