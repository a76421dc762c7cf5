package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "gopkg.in/yaml.v3"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	"sigs.k8s.io/yaml"

	mhpav1 "github.com/mhpa-dev/mhpa/api/v1"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
	mhpav2beta1 "github.com/mhpa-dev/mhpa/api/v2beta1"
	mhpav2beta2 "github.com/mhpa-dev/mhpa/api/v2beta2"
	"github.com/mhpa-dev/mhpa/internal/builtin"
	"github.com/mhpa-dev/mhpa/internal/validation"
)

// HPAKind is the kind of a HorizontalPodAutoscaler, built-in or mhpa's.
const HPAKind = "HorizontalPodAutoscaler"

// SupportedAPIVersions are the apiVersions of HorizontalPodAutoscaler manifests that
// [DecodeHPA] reads.
var SupportedAPIVersions = []string{
	"autoscaling.mhpa.dev/v2", "autoscaling.mhpa.dev/v2beta2", "autoscaling.mhpa.dev/v2beta1", "autoscaling.mhpa.dev/v1",
	"autoscaling/v2", "autoscaling/v1",
}

var (
	scheme = runtime.NewScheme()
	codec  *json.Serializer
)

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		v2.AddToScheme, mhpav2beta2.AddToScheme, mhpav2beta1.AddToScheme, mhpav1.AddToScheme,
		autoscalingv2.AddToScheme, autoscalingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	codec = json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})
}

// HPA is a HorizontalPodAutoscaler read from a manifest.
type HPA struct {
	// Source names where the manifest was read from, for messages: a file name, or "-" for
	// standard input.
	Source string
	// Line is the line of Source that the object's document starts on.
	Line int
	// APIVersion is the apiVersion the manifest was written in.
	APIVersion string
	// Object is the autoscaler converted to autoscaling.mhpa.dev/v2. [ReadHPA] has applied the
	// defaults; [DecodeHPA] has not.
	Object *v2.HorizontalPodAutoscaler

	// doc is the manifest's document, to find the lines of fields in.
	doc document
}

// where names the line of field path (for example "spec.metrics[0].type") in the manifest
// as "source:line", or the document's first line when the path is not found.
func (h *HPA) where(path string) string {
	line := lineOf(h.doc, path)
	if line == 0 {
		line = h.Line
	}
	return fmt.Sprintf("%s:%d", h.Source, line)
}

// String names the autoscaler and where it came from, for example "web (hpa.yaml, autoscaling/v2)".
func (h *HPA) String() string {
	name := h.Object.Name
	if name == "" {
		name = "(unnamed)"
	}
	return fmt.Sprintf("%s (%s, %s)", name, h.Source, h.APIVersion)
}

// ReadHPA reads the one HorizontalPodAutoscaler of the manifest at path ("-" reads stdin),
// converts it to autoscaling.mhpa.dev/v2, applies the defaults and validates it as the API
// server would. Documents of other kinds in the file are skipped.
func ReadHPA(path string, stdin io.Reader) (*HPA, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the HorizontalPodAutoscaler manifest: %w", err)
	}
	h, err := DecodeHPA(path, data)
	if err != nil {
		return nil, err
	}
	if err := DefaultAndValidate(h); err != nil {
		return nil, err
	}
	return h, nil
}

// DefaultAndValidate applies the API defaults to h.Object and validates it, as the API server
// does on create. The error lists every problem with its field path (in autoscaling.mhpa.dev/v2
// names).
func DefaultAndValidate(h *HPA) error {
	v2.SetDefaults_HorizontalPodAutoscaler(h.Object)
	errs := validation.ValidateHorizontalPodAutoscaler(h.Object)
	if len(errs) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: invalid HorizontalPodAutoscaler %q", h.Source, h.Line, h.Object.Name)
	if h.APIVersion != v2.GroupVersion.String() {
		fmt.Fprintf(&b, " (field paths are those of %s, which %s converts to)", v2.GroupVersion, h.APIVersion)
	}
	b.WriteString(":")
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", h.where(e.Field), e.Error())
	}
	return errors.New(b.String())
}

// DecodeHPA decodes the one HorizontalPodAutoscaler of a manifest (YAML or JSON, possibly
// several documents) and converts it to autoscaling.mhpa.dev/v2, without defaulting. source
// names the manifest in messages.
func DecodeHPA(source string, data []byte) (*HPA, error) {
	var found []*HPA
	for _, doc := range splitDocuments(data) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc.data, &tm); err != nil {
			return nil, fmt.Errorf("%s:%d: %s", source, doc.line, fixLines(err.Error(), doc.line))
		}
		if tm.Kind == "" && tm.APIVersion == "" {
			if len(bytes.TrimSpace(stripComments(doc.data))) == 0 {
				continue
			}
			return nil, fmt.Errorf("%s:%d: document has no apiVersion and kind: a HorizontalPodAutoscaler needs apiVersion (one of %s) and kind: %s",
				source, doc.line, strings.Join(SupportedAPIVersions, ", "), HPAKind)
		}
		if tm.Kind != HPAKind {
			continue
		}
		h, err := decodeOne(source, doc, tm)
		if err != nil {
			return nil, err
		}
		found = append(found, h)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: no HorizontalPodAutoscaler found: expected a document with kind: %s and apiVersion one of %s",
			source, HPAKind, strings.Join(SupportedAPIVersions, ", "))
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, h := range found {
		names[i] = fmt.Sprintf("%q at line %d", h.Object.Name, h.Line)
	}
	return nil, fmt.Errorf("%s: holds %d HorizontalPodAutoscalers (%s): give a file with exactly one", source, len(found), strings.Join(names, ", "))
}

func decodeOne(source string, doc document, tm metav1.TypeMeta) (*HPA, error) {
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil || !supported(tm.APIVersion) {
		return nil, fmt.Errorf("%s:%d: apiVersion: unsupported value %q for kind %s: supported values: %s",
			source, doc.line, tm.APIVersion, HPAKind, strings.Join(SupportedAPIVersions, ", "))
	}
	where := fmt.Sprintf("%s:%d", source, doc.line)
	if gv == v2.GroupVersion {
		// A v2 metric keeps unknown fields in the API, so that names of older versions are
		// rejected with their new names; say so here as well.
		if raw, err := yaml.YAMLToJSON(doc.data); err == nil {
			if errs := validation.ValidateMetricFields(raw); len(errs) > 0 {
				msgs := make([]string, len(errs))
				for i, e := range errs {
					line := lineOf(doc, e.Field)
					if line == 0 {
						line = doc.line
					}
					msgs[i] = fmt.Sprintf("%s:%d: %s", source, line, e.Error())
				}
				return nil, errors.New(strings.Join(msgs, "\n"))
			}
		}
	}
	obj, _, err := codec.Decode(doc.data, nil, nil)
	if err != nil {
		if runtime.IsStrictDecodingError(err) {
			if m := fieldRE.FindStringSubmatch(err.Error()); m != nil {
				if line := lineOf(doc, m[1]); line > 0 {
					where = fmt.Sprintf("%s:%d", source, line)
				}
			}
			return nil, fmt.Errorf("%s: %s %s: %s", where, tm.APIVersion, HPAKind, strictMessage(err))
		}
		return nil, fmt.Errorf("%s: %s %s: %s", where, tm.APIVersion, HPAKind, fixLines(err.Error(), doc.line))
	}
	h := &HPA{Source: source, Line: doc.line, APIVersion: tm.APIVersion, doc: doc}
	switch o := obj.(type) {
	case *v2.HorizontalPodAutoscaler:
		h.Object = o
	case *autoscalingv1.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscaler:
		h.Object, err = builtin.Convert(o)
	case conversion.Convertible:
		h.Object = &v2.HorizontalPodAutoscaler{}
		err = o.ConvertTo(h.Object)
		h.Object.APIVersion, h.Object.Kind = v2.GroupVersion.String(), HPAKind
	default:
		err = fmt.Errorf("decoded an unexpected %T", obj)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: converting %s %s to %s: %w", where, tm.APIVersion, HPAKind, v2.GroupVersion, err)
	}
	return h, nil
}

func supported(apiVersion string) bool {
	for _, v := range SupportedAPIVersions {
		if v == apiVersion {
			return true
		}
	}
	return false
}

// strictMessage words a strict decoding error: unknown and duplicate fields with their paths.
func strictMessage(err error) string {
	var se interface{ Errors() []error }
	if !errors.As(err, &se) {
		return err.Error()
	}
	msgs := make([]string, 0, len(se.Errors()))
	for _, e := range se.Errors() {
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "; ") + " (check the spelling and the apiVersion: field names differ between versions)"
}

// document is one YAML document of a manifest and the line it starts on.
type document struct {
	data []byte
	line int
}

// splitDocuments splits a YAML stream at its "---" lines, keeping each document's first line
// number so that messages point into the file.
func splitDocuments(data []byte) []document {
	var docs []document
	lines := bytes.SplitAfter(data, []byte("\n"))
	start, cur := 1, []byte(nil)
	for i, l := range lines {
		trimmed := bytes.TrimRight(l, " \t\r\n")
		if bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("--- ")) {
			docs = append(docs, document{data: cur, line: start})
			cur, start = nil, i+2
			continue
		}
		cur = append(cur, l...)
	}
	return append(docs, document{data: cur, line: start})
}

func stripComments(data []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l...)
		}
	}
	return out
}

var (
	lineRE  = regexp.MustCompile(`line (\d+)`)
	fieldRE = regexp.MustCompile(`(?:unknown|duplicate) field "([^"]+)"`)
	stepRE  = regexp.MustCompile(`^([^.\[]+)|\.([^.\[]+)|\[(\d+)\]|\[([^\]]*)\]`)
)

// lineOf returns the line in the file of the field at path (for example
// "spec.metrics[0].resource") in doc, or 0 when doc has no such field.
func lineOf(doc document, path string) int {
	var root yamlv3.Node
	if path == "" || yamlv3.Unmarshal(doc.data, &root) != nil || len(root.Content) == 0 {
		return 0
	}
	n := root.Content[0]
	line := 0
	for _, m := range stepRE.FindAllStringSubmatch(path, -1) {
		switch {
		case m[1] != "" || m[2] != "" || m[4] != "":
			key := m[1] + m[2] + m[4]
			if n.Kind != yamlv3.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		default:
			i, _ := strconv.Atoi(m[3])
			if n.Kind != yamlv3.SequenceNode || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		}
	}
	if line == 0 {
		return 0
	}
	return line + doc.line - 1
}

// fixLines turns the line numbers of a YAML error, counted within one document, into line
// numbers of the file, whose document starts at line start.
func fixLines(msg string, start int) string {
	return lineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(m[len("line "):])
		if err != nil {
			return m
		}
		return "line " + strconv.Itoa(n+start-1)
	})
}
