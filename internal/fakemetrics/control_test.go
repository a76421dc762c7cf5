package fakemetrics

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

func TestControlAPI(t *testing.T) {
	srv := startServer(t, Options{})
	ctl := httptest.NewServer(ControlHandler(srv))
	t.Cleanup(ctl.Close)
	ext := client(t, srv, adapter.ExternalMetrics, schema.GroupVersion{Group: tenantExternal, Version: "v1beta1"})
	ctx := context.Background()

	send := func(t *testing.T, method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, ctl.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	steps := []struct {
		name     string
		method   string
		path     string
		body     string
		wantCode int
		wantBody string
		// check runs against the metrics server after the step.
		check func(t *testing.T)
	}{
		{
			name: "set an external series", method: "POST", path: "/v1/groups/" + tenantExternal + "/external",
			body: `{"namespace":"default","metric":"queue_length","labels":{"queue":"a"},"value":"30"}`, wantCode: 204,
			check: func(t *testing.T) {
				if got, err := externalValue(ctx, ext, "queue_length"); err != nil || got != "30" {
					t.Errorf("queue_length = %q, %v; want 30", got, err)
				}
			},
		},
		{
			name: "fail every group with a 503", method: "PUT", path: "/v1/groups/*/fault",
			body: `{"mode":"error","code":503,"message":"backend down"}`, wantCode: 204,
			check: func(t *testing.T) {
				_, err := externalValue(ctx, ext, "queue_length")
				var status apierrors.APIStatus
				if !errors.As(err, &status) || status.Status().Code != 503 || !strings.Contains(status.Status().Message, "backend down") {
					t.Errorf("err = %v, want a 503 saying backend down", err)
				}
			},
		},
		{name: "heal", method: "PUT", path: "/v1/groups/*/fault", body: `{"mode":""}`, wantCode: 204},
		{name: "count requests", method: "GET", path: "/v1/groups/" + tenantExternal + "/requests", wantCode: 200, wantBody: `{"requests":2}`},
		{name: "count requests of every group", method: "GET", path: "/v1/groups/*/requests", wantCode: 200, wantBody: `{"requests":2}`},
		{name: "reset the count", method: "DELETE", path: "/v1/groups/*/requests", wantCode: 204},
		{name: "count after reset", method: "GET", path: "/v1/groups/" + tenantExternal + "/requests", wantCode: 200, wantBody: `{"requests":0}`},
		{
			name: "set a pod", method: "POST", path: "/v1/groups/" + tenantResource + "/pods",
			body: `{"namespace":"default","name":"web-1","labels":{"app":"web"},"containers":[{"name":"app","usage":{"cpu":"250m"}}]}`, wantCode: 204,
			check: func(t *testing.T) {
				pods, _ := srv.Group(tenantResource).resolvePods("default", sel("app=web"))
				if len(pods) != 1 || pods[0].containers[0].Usage.Cpu().String() != "250m" {
					t.Errorf("pods = %+v, want web-1 using 250m", pods)
				}
			},
		},
		{
			name: "delete the pod", method: "DELETE", path: "/v1/groups/" + tenantResource + "/pods/default/web-1", wantCode: 204,
			check: func(t *testing.T) {
				if pods, _ := srv.Group(tenantResource).resolvePods("default", sel("")); len(pods) != 0 {
					t.Errorf("pods = %+v after delete, want none", pods)
				}
			},
		},
		{name: "set a rule", method: "PUT", path: "/v1/groups/" + tenantCustom + "/rules/web", body: `{"selector":"app=web","metrics":{"rps":"25"}}`, wantCode: 204},
		{name: "rule with a bad selector", method: "PUT", path: "/v1/groups/" + tenantCustom + "/rules/web", body: `{"selector":"app in ("}`, wantCode: 400, wantBody: "selector: invalid value"},
		{name: "unknown field", method: "POST", path: "/v1/groups/" + tenantExternal + "/external", body: `{"metric":"m","valeu":"1"}`, wantCode: 400, wantBody: "unknown field"},
		{name: "missing metric", method: "POST", path: "/v1/groups/" + tenantExternal + "/external", body: `{"value":"1"}`, wantCode: 400, wantBody: "metric is required"},
		{name: "bad fault mode", method: "PUT", path: "/v1/groups/*/fault", body: `{"mode":"explode"}`, wantCode: 400, wantBody: "fault.mode: unsupported value"},
		{name: "bad delay", method: "PUT", path: "/v1/groups/*/fault", body: `{"mode":"delay","delay":"soon"}`, wantCode: 400, wantBody: "fault.delay: invalid value"},
		{name: "group not served", method: "POST", path: "/v1/groups/tenant-b.external.metrics.k8s.io/external", body: `{"metric":"m","value":"1"}`, wantCode: 404, wantBody: "is not served"},
		{name: "values need one group", method: "POST", path: "/v1/groups/*/external", body: `{"metric":"m","value":"1"}`, wantCode: 400},
		{
			name: "go away", method: "POST", path: "/v1/server/go-away", wantCode: 204,
			check: func(t *testing.T) {
				if _, err := externalValue(ctx, ext, "queue_length"); err == nil {
					t.Error("the server answered while away")
				}
			},
		},
		{name: "state while away", method: "GET", path: "/v1/server", wantCode: 200, wantBody: `"away":true`},
		{
			name: "come back", method: "POST", path: "/v1/server/come-back", wantCode: 204,
			check: func(t *testing.T) {
				if got, err := externalValue(ctx, ext, "queue_length"); err != nil || got != "30" {
					t.Errorf("after coming back: %q, %v; want 30", got, err)
				}
			},
		},
		{
			name: "reset a group", method: "POST", path: "/v1/groups/" + tenantExternal + "/reset", wantCode: 204,
			check: func(t *testing.T) {
				var status apierrors.APIStatus
				if _, err := externalValue(ctx, ext, "queue_length"); !errors.As(err, &status) || status.Status().Code != 404 {
					t.Errorf("after reset: err = %v, want 404", err)
				}
			},
		},
	}
	// The steps build on each other, so they run in order.
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, body := send(t, st.method, st.path, st.body)
			if code != st.wantCode || !strings.Contains(body, st.wantBody) {
				t.Fatalf("%s %s = %d %s; want %d containing %q", st.method, st.path, code, body, st.wantCode, st.wantBody)
			}
			if st.check != nil {
				st.check(t)
			}
		})
	}

	_, body := send(t, "GET", "/v1/server", "")
	var state struct {
		Port   int `json:"port"`
		Groups []struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(body), &state); err != nil {
		t.Fatal(err)
	}
	if state.Port != srv.Port() || len(state.Groups) != 4 || state.Groups[0].Name != defaultExternal || state.Groups[0].Kind != "external" {
		t.Errorf("GET /v1/server = %s, want port %d and the four groups", body, srv.Port())
	}
}
