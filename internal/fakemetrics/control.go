package fakemetrics

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// ControlAPIHelp documents the control API served by ControlHandler.
const ControlAPIHelp = `Control API (JSON over plain HTTP; serve it on loopback only):

  GET    /v1/server                           port, away, groups with their request counts
  POST   /v1/server/go-away                   stop listening and drop connections
  POST   /v1/server/come-back                 listen again on the same port

  {group} is a served group, or * for every group (fault, reset, requests only)
  POST   /v1/groups/{group}/pods              {"namespace":"default","name":"web-1","labels":{"app":"web"},
                                               "containers":[{"name":"app","usage":{"cpu":"250m","memory":"64Mi"}}]}
  DELETE /v1/groups/{group}/pods/{ns}/{name}
  POST   /v1/groups/{group}/nodes             {"name":"node-1","usage":{"cpu":"2","memory":"4Gi"}}
  POST   /v1/groups/{group}/objects           {"resource":"services","namespace":"default","name":"web",
                                               "metric":"requests","metricLabels":{"verb":"GET"},"value":"120"}
  POST   /v1/groups/{group}/pods-metrics      {"namespace":"default","metric":"rps","values":{"web-1":"10","web-2":"30"}}
  POST   /v1/groups/{group}/external          {"namespace":"default","metric":"queue_length","labels":{"queue":"a"},"value":"30"}
  PUT    /v1/groups/{group}/rules/{name}      {"namespace":"default","selector":"app=web",
                                               "usage":{"":{"cpu":"400m"}},"metrics":{"rps":"25"}}
                                              (every Running pod matching the selector, found in the cluster)
  DELETE /v1/groups/{group}/rules/{name}
  PUT    /v1/groups/{group}/fault             {"mode":"error","code":503,"message":"backend down"}
                                              {"mode":"hang"}  {"mode":"delay","delay":"3s"}  {"mode":""} heals
  POST   /v1/groups/{group}/reset             forget values, rules and fault
  GET    /v1/groups/{group}/requests          {"requests":12}
  DELETE /v1/groups/{group}/requests          reset the request count

Example:
  curl -X POST localhost:8099/v1/groups/tenant-a.external.metrics.k8s.io/external \
       -d '{"namespace":"default","metric":"queue_length","value":"30"}'
`

// ControlHandler returns the handler of the control API (ControlAPIHelp)
// for s.
func ControlHandler(s *Server) http.Handler {
	c := &control{s: s}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/server", c.serverState)
	mux.HandleFunc("POST /v1/server/go-away", c.action(s.GoAway))
	mux.HandleFunc("POST /v1/server/come-back", c.action(s.ComeBack))
	mux.HandleFunc("POST /v1/groups/{group}/pods", c.one(func(r *http.Request) (func(*Group) error, error) {
		var p Pod
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		if p.Namespace == "" || p.Name == "" {
			return nil, badRequest("pod: namespace and name are required")
		}
		return func(g *Group) error { g.SetPod(p); return nil }, nil
	}))
	mux.HandleFunc("DELETE /v1/groups/{group}/pods/{namespace}/{name}", c.one(func(r *http.Request) (func(*Group) error, error) {
		ns, name := r.PathValue("namespace"), r.PathValue("name")
		return func(g *Group) error { g.DeletePod(ns, name); return nil }, nil
	}))
	mux.HandleFunc("POST /v1/groups/{group}/nodes", c.one(func(r *http.Request) (func(*Group) error, error) {
		var n Node
		if err := decode(r, &n); err != nil {
			return nil, err
		}
		if n.Name == "" {
			return nil, badRequest("node: name is required")
		}
		return func(g *Group) error { g.SetNode(n); return nil }, nil
	}))
	mux.HandleFunc("POST /v1/groups/{group}/objects", c.one(func(r *http.Request) (func(*Group) error, error) {
		var m ObjectMetric
		if err := decode(r, &m); err != nil {
			return nil, err
		}
		if m.Resource == "" || m.Name == "" || m.Metric == "" {
			return nil, badRequest("object metric: resource, name and metric are required")
		}
		return func(g *Group) error { g.SetObjectMetric(m); return nil }, nil
	}))
	mux.HandleFunc("POST /v1/groups/{group}/pods-metrics", c.one(func(r *http.Request) (func(*Group) error, error) {
		var m struct {
			Namespace string                       `json:"namespace"`
			Metric    string                       `json:"metric"`
			Values    map[string]resource.Quantity `json:"values"`
		}
		if err := decode(r, &m); err != nil {
			return nil, err
		}
		if m.Namespace == "" || m.Metric == "" {
			return nil, badRequest("pods metric: namespace and metric are required")
		}
		return func(g *Group) error { g.SetPodsMetric(m.Namespace, m.Metric, m.Values); return nil }, nil
	}))
	mux.HandleFunc("POST /v1/groups/{group}/external", c.one(func(r *http.Request) (func(*Group) error, error) {
		var m ExternalMetric
		if err := decode(r, &m); err != nil {
			return nil, err
		}
		if m.Metric == "" {
			return nil, badRequest("external metric: metric is required")
		}
		return func(g *Group) error { g.SetExternalMetric(m); return nil }, nil
	}))
	mux.HandleFunc("PUT /v1/groups/{group}/rules/{name}", c.one(func(r *http.Request) (func(*Group) error, error) {
		var rule PodRule
		if err := decode(r, &rule); err != nil {
			return nil, err
		}
		name := r.PathValue("name")
		return func(g *Group) error {
			if err := g.SetPodRule(name, rule); err != nil {
				return badRequest(err.Error())
			}
			return nil
		}, nil
	}))
	mux.HandleFunc("DELETE /v1/groups/{group}/rules/{name}", c.one(func(r *http.Request) (func(*Group) error, error) {
		name := r.PathValue("name")
		return func(g *Group) error { g.DeletePodRule(name); return nil }, nil
	}))
	mux.HandleFunc("PUT /v1/groups/{group}/fault", c.each(func(r *http.Request) (func(*Group) error, error) {
		f, err := decodeFault(r)
		if err != nil {
			return nil, err
		}
		return func(g *Group) error { g.SetFault(f); return nil }, nil
	}))
	mux.HandleFunc("POST /v1/groups/{group}/reset", c.each(func(*http.Request) (func(*Group) error, error) {
		return func(g *Group) error { g.Reset(); return nil }, nil
	}))
	mux.HandleFunc("DELETE /v1/groups/{group}/requests", c.each(func(*http.Request) (func(*Group) error, error) {
		return func(g *Group) error { g.ResetRequests(); return nil }, nil
	}))
	mux.HandleFunc("GET /v1/groups/{group}/requests", func(w http.ResponseWriter, r *http.Request) {
		groups, err := c.groups(r)
		if err != nil {
			writeError(w, err)
			return
		}
		var n int64
		for _, g := range groups {
			n += g.Requests()
		}
		writeJSON(w, http.StatusOK, map[string]int64{"requests": n})
	})
	return mux
}

type control struct {
	s *Server
}

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{code: http.StatusBadRequest, msg: msg} }

// groups returns the groups named by the {group} path value.
func (c *control) groups(r *http.Request) ([]*Group, error) {
	name := r.PathValue("group")
	if name == "*" {
		return c.s.Groups(), nil
	}
	g := c.s.Group(name)
	if g == nil {
		return nil, &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("group %q is not served; served groups: %v", name, c.s.opts.Groups)}
	}
	return []*Group{g}, nil
}

// change reads a request (its body, its path) and returns what to do to
// each group it names.
type change func(r *http.Request) (func(*Group) error, error)

// one handles a request about exactly one group.
func (c *control) one(f change) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("group") == "*" {
			writeError(w, badRequest("name one group; * is only for fault, reset and requests"))
			return
		}
		c.each(f)(w, r)
	}
}

// each handles a request about one group or, for *, every group.
func (c *control) each(f change) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		groups, err := c.groups(r)
		if err != nil {
			writeError(w, err)
			return
		}
		apply, err := f(r)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, g := range groups {
			if err := apply(g); err != nil {
				writeError(w, err)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (c *control) action(f func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if err := f(); err != nil {
			writeError(w, &httpError{code: http.StatusInternalServerError, msg: err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (c *control) serverState(w http.ResponseWriter, _ *http.Request) {
	type groupState struct {
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		Requests int64  `json:"requests"`
	}
	state := struct {
		Port   int          `json:"port"`
		Away   bool         `json:"away"`
		Groups []groupState `json:"groups"`
	}{Port: c.s.Port(), Away: c.s.Away()}
	for _, g := range c.s.Groups() {
		state.Groups = append(state.Groups, groupState{Name: g.Name(), Kind: string(g.Kind()), Requests: g.Requests()})
	}
	sort.Slice(state.Groups, func(i, j int) bool { return state.Groups[i].Name < state.Groups[j].Name })
	writeJSON(w, http.StatusOK, state)
}

func decode(r *http.Request, into any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return badRequest(fmt.Sprintf("request body: %v", err))
	}
	return nil
}

// decodeFault reads a Fault whose delay is a duration string such as "3s".
func decodeFault(r *http.Request) (Fault, error) {
	var in struct {
		Mode    FaultMode `json:"mode"`
		Code    int       `json:"code"`
		Message string    `json:"message"`
		Delay   string    `json:"delay"`
	}
	if err := decode(r, &in); err != nil {
		return Fault{}, err
	}
	f := Fault{Mode: in.Mode, Code: in.Code, Message: in.Message}
	switch in.Mode {
	case FaultNone, FaultError, FaultHang:
	case FaultDelay:
		d, err := time.ParseDuration(in.Delay)
		if err != nil || d < 0 {
			return Fault{}, badRequest(fmt.Sprintf("fault.delay: invalid value %q: want a duration such as 3s", in.Delay))
		}
		f.Delay = d
	default:
		return Fault{}, badRequest(fmt.Sprintf("fault.mode: unsupported value %q: supported values are \"\", %q, %q, %q", in.Mode, FaultError, FaultHang, FaultDelay))
	}
	if in.Code != 0 && (in.Code < 400 || in.Code > 599) {
		return Fault{}, badRequest(fmt.Sprintf("fault.code: invalid value %d: want an HTTP error status between 400 and 599", in.Code))
	}
	return f, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if he, ok := err.(*httpError); ok {
		code = he.code
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
