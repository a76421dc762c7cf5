package aggregated

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// fakeAggregator plays the kube-apiserver aggregator in unit tests: it serves
// /apis/<group> discovery documents for the groups registered with it and
// hands /apis/<group>/<version>/... to the group's handler. Everything else
// is a 404, as on a real API server.
type fakeAggregator struct {
	srv *httptest.Server

	mu       sync.Mutex
	groups   map[string]*fakeGroup
	requests []seenRequest
}

// fakeGroup is one registered API group.
type fakeGroup struct {
	versions []string
	handler  http.HandlerFunc
}

// seenRequest is a request the fake received.
type seenRequest struct {
	Path  string
	Query url.Values
}

func newFakeAggregator(t *testing.T) *fakeAggregator {
	t.Helper()
	f := &fakeAggregator{groups: make(map[string]*fakeGroup)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAggregator) config() *rest.Config {
	return &rest.Config{Host: f.srv.URL}
}

// register serves group in versions with handler (replacing an earlier registration).
func (f *fakeAggregator) register(group string, versions []string, handler http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[group] = &fakeGroup{versions: versions, handler: handler}
}

// unregister stops serving group.
func (f *fakeAggregator) unregister(group string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, group)
}

// seen returns the requests received so far.
func (f *fakeAggregator) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.requests...)
}

// count returns how many received requests have a path starting with prefix.
func (f *fakeAggregator) count(prefix string) int {
	n := 0
	for _, r := range f.seen() {
		if strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeAggregator) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, seenRequest{Path: r.URL.Path, Query: r.URL.Query()})
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var g *fakeGroup
	if len(parts) >= 2 && parts[0] == "apis" {
		g = f.groups[parts[1]]
	}
	f.mu.Unlock()

	if g == nil {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
		return
	}
	if len(parts) == 2 {
		doc := metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: parts[1]}
		for _, v := range g.versions {
			gv := metav1.GroupVersionForDiscovery{GroupVersion: parts[1] + "/" + v, Version: v}
			doc.Versions = append(doc.Versions, gv)
		}
		if len(doc.Versions) > 0 {
			doc.PreferredVersion = doc.Versions[0]
		}
		writeJSON(w, http.StatusOK, doc)
		return
	}
	for _, v := range g.versions {
		if parts[2] == v {
			g.handler(w, r)
			return
		}
	}
	writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
}

func writeJSON(w http.ResponseWriter, code int, obj any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(obj)
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	writeJSON(w, code, metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg,
	})
}

// answer returns a handler that always answers obj.
func answer(obj any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, obj) }
}

// failWith returns a handler that always answers with an error status.
func failWith(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, code, apierrors.NewGenericServerResponse(code, "GET", schema.GroupResource{}, "", "", 0, false).ErrStatus.Reason, fmt.Sprintf("failing with %d", code))
	}
}

// metricValue returns the value of the sample of metric name whose labels
// include want, from reg; -1 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if !hasLabels(m, want) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return -1
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
