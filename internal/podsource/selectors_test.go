package podsource

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/labels"
)

func pod(ns, name string, kv ...string) *Pod {
	l := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return &Pod{Namespace: ns, Name: name, Labels: l}
}

func TestSelecting(t *testing.T) {
	type hpa struct{ ns, name, selector string }
	hpas := []hpa{
		{"a", "web", "app=web"},
		{"a", "web-canary", "app=web,track=canary"},
		{"a", "all-front", "tier in (front,edge)"},
		{"a", "anything-tiered", "tier"},
		{"a", "not-api", "app,app notin (api)"},
		{"a", "api", "app=api"},
		{"b", "web", "app=web"},
	}
	x := NewSelectorIndex()
	for _, h := range hpas {
		sel, err := labels.Parse(h.selector)
		if err != nil {
			t.Fatal(err)
		}
		x.Set(h.ns, h.name, sel)
	}

	tests := map[string]struct {
		namespace string
		pods      []*Pod
		want      []string
	}{
		"web pod": {
			namespace: "a", pods: []*Pod{pod("a", "w1", "app", "web", "track", "stable")},
			want: []string{"not-api", "web"},
		},
		"canary web pod on the edge tier": {
			namespace: "a", pods: []*Pod{pod("a", "w2", "app", "web", "track", "canary", "tier", "edge")},
			want: []string{"all-front", "anything-tiered", "not-api", "web", "web-canary"},
		},
		"api pod": {
			namespace: "a", pods: []*Pod{pod("a", "a1", "app", "api")},
			want: []string{"api"},
		},
		"several pods, union": {
			namespace: "a", pods: []*Pod{pod("a", "a1", "app", "api"), pod("a", "t1", "tier", "back")},
			want: []string{"anything-tiered", "api"},
		},
		"unlabelled pod": {namespace: "a", pods: []*Pod{pod("a", "x")}, want: []string{}},
		"other namespace": {
			namespace: "b", pods: []*Pod{pod("b", "w1", "app", "web", "tier", "front")},
			want: []string{"web"},
		},
		"no pods":           {namespace: "a", want: nil},
		"unknown namespace": {namespace: "c", pods: []*Pod{pod("c", "w1", "app", "web")}, want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, x.Selecting(tc.namespace, tc.pods)); diff != "" {
				t.Errorf("Selecting (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectorIndexSetAndDelete(t *testing.T) {
	x := NewSelectorIndex()
	web := []*Pod{pod("a", "w1", "app", "web")}
	x.Set("a", "h1", labels.SelectorFromSet(labels.Set{"app": "web"}))
	x.Set("a", "h2", labels.SelectorFromSet(labels.Set{"app": "web"}))
	if got := x.Selecting("a", web); !slices.Equal(got, []string{"h1", "h2"}) {
		t.Fatalf("Selecting = %v, want [h1 h2]", got)
	}
	// A new selector replaces the old one everywhere it was filed.
	x.Set("a", "h2", labels.SelectorFromSet(labels.Set{"app": "api"}))
	if got := x.Selecting("a", web); !slices.Equal(got, []string{"h1"}) {
		t.Fatalf("after re-setting h2: Selecting = %v, want [h1]", got)
	}
	// Nothing and nil select no pod, like an HPA not reconciled yet.
	x.Set("a", "h1", labels.Nothing())
	if got := x.Selecting("a", web); len(got) != 0 {
		t.Fatalf("after setting h1 to Nothing: Selecting = %v, want none", got)
	}
	x.Set("a", "h1", labels.Everything())
	if got := x.Selecting("a", web); !slices.Equal(got, []string{"h1"}) {
		t.Fatalf("after setting h1 to Everything: Selecting = %v, want [h1]", got)
	}
	x.Delete("a", "h1")
	x.Delete("a", "h2")
	x.Delete("a", "never-set")
	if got := x.Selecting("a", web); len(got) != 0 {
		t.Fatalf("after deleting all: Selecting = %v, want none", got)
	}
	if len(x.namespaces) != 0 {
		t.Errorf("namespaces kept after all HPAs were deleted: %v", x.namespaces)
	}
}

func TestCheck(t *testing.T) {
	x := NewSelectorIndex()
	x.Set("ns", "b", labels.SelectorFromSet(labels.Set{"app": "web"}))
	x.Set("ns", "a", labels.SelectorFromSet(labels.Set{"app": "web", "tier": "front"}))
	pods := []*Pod{pod("ns", "p1", "app", "web", "tier", "front")}

	err := x.Check("ns", "app=web", pods)
	want := "pods by selector app=web are controlled by multiple HPAs: [ns/a ns/b]"
	if err == nil || err.Error() != want {
		t.Fatalf("Check = %v, want %q", err, want)
	}
	if err := x.Check("ns", "app=web", []*Pod{pod("ns", "p2", "app", "web")}); err != nil {
		t.Errorf("Check with one HPA selecting: %v", err)
	}
}

// TestSelectingMatchesBruteForce compares the index with trying every selector on every pod,
// on random selectors and pods.
func TestSelectingMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"app", "tier", "track", "team"}
	values := []string{"a", "b", "c"}
	randomSelector := func() labels.Selector {
		n := rng.IntN(3)
		s := ""
		for i := 0; i < n; i++ {
			k := keys[rng.IntN(len(keys))]
			v1, v2 := values[rng.IntN(len(values))], values[rng.IntN(len(values))]
			if s != "" {
				s += ","
			}
			switch rng.IntN(5) {
			case 0:
				s += k + "=" + v1
			case 1:
				s += fmt.Sprintf("%s in (%s,%s)", k, v1, v2)
			case 2:
				s += fmt.Sprintf("%s notin (%s)", k, v1)
			case 3:
				s += k
			case 4:
				s += "!" + k
			}
		}
		sel, err := labels.Parse(s)
		if err != nil {
			t.Fatalf("parsing %q: %v", s, err)
		}
		return sel
	}
	randomPod := func(i int) *Pod {
		p := &Pod{Namespace: "ns", Name: fmt.Sprint("p", i), Labels: map[string]string{}}
		for _, k := range keys {
			if rng.IntN(2) == 0 {
				p.Labels[k] = values[rng.IntN(len(values))]
			}
		}
		return p
	}

	for round := 0; round < 50; round++ {
		x := NewSelectorIndex()
		selectors := map[string]labels.Selector{}
		for i := 0; i < 20; i++ {
			name := fmt.Sprint("h", i)
			selectors[name] = randomSelector()
			x.Set("ns", name, selectors[name])
		}
		pods := []*Pod{randomPod(0), randomPod(1), randomPod(2)}
		want := []string{}
		for name, sel := range selectors {
			for _, p := range pods {
				if sel.Matches(labels.Set(p.Labels)) {
					want = append(want, name)
					break
				}
			}
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, x.Selecting("ns", pods)); diff != "" {
			t.Fatalf("round %d: Selecting (-brute force +index):\n%s", round, diff)
		}
	}
}
