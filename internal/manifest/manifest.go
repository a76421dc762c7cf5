package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
)

// Kubectl returns the path of the kubectl binary that hack/controlplane/build.sh builds (in
// controlplane.DefaultBinDir()), or an error that says how to build it.
func Kubectl() (string, error) {
	path := filepath.Join(controlplane.DefaultBinDir(), "kubectl")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("kubectl not found at %s: run `make controlplane` (hack/controlplane/build.sh), or set %s to the directory that holds it",
			path, controlplane.BinDirEnv)
	}
	return path, nil
}

// Kustomize renders the kustomization in dir with `kubectl kustomize` and returns its YAML.
//
// It reads every file the kustomization refers to itself first, so that `go test` notices a
// change of any of them and does not reuse a cached result.
func Kustomize(dir string) ([]byte, error) {
	kubectl, err := Kubectl()
	if err != nil {
		return nil, err
	}
	if err := readTree(dir, map[string]bool{}); err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// kustomizationFile is what readTree needs of a kustomization: the files and directories it
// refers to.
type kustomizationFile struct {
	Resources  []string `json:"resources"`
	Components []string `json:"components"`
	Patches    []struct {
		Path string `json:"path"`
	} `json:"patches"`
	PatchesStrategicMerge []string `json:"patchesStrategicMerge"`
}

// readTree reads the kustomization in dir and every local file and directory it refers to.
func readTree(dir string, seen map[string]bool) error {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	var data []byte
	var err error
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if data, err = os.ReadFile(filepath.Join(dir, name)); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%s: no kustomization: %w", dir, err)
	}
	var k kustomizationFile
	if err := yaml.Unmarshal(data, &k); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	refs := append(append(k.Resources, k.Components...), k.PatchesStrategicMerge...)
	for _, p := range k.Patches {
		refs = append(refs, p.Path)
	}
	for _, ref := range refs {
		if ref == "" || strings.Contains(ref, "://") {
			continue
		}
		path := filepath.Join(dir, ref)
		fi, err := os.Stat(path)
		if err != nil {
			continue // kustomize reports it
		}
		if fi.IsDir() {
			if err := readTree(path, seen); err != nil {
				return err
			}
		} else if _, err := os.ReadFile(path); err != nil {
			return err
		}
	}
	return nil
}

// Decode decodes every non-empty document of a YAML (or JSON) stream.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := decoder.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// Build renders the kustomization in dir and decodes its objects.
func Build(dir string) ([]*unstructured.Unstructured, error) {
	data, err := Kustomize(dir)
	if err != nil {
		return nil, err
	}
	return Decode(data)
}

// Key names an object as "Kind/namespace/name" ("Kind/name" for a cluster-scoped one).
func Key(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return u.GetKind() + "/" + ns + "/" + u.GetName()
	}
	return u.GetKind() + "/" + u.GetName()
}

// Keys returns the sorted keys of objs.
func Keys(objs []*unstructured.Unstructured) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = Key(o)
	}
	sort.Strings(keys)
	return keys
}

// Find returns the object of kind, namespace and name, or nil.
func Find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}

// Into converts u into the typed object into, failing on fields the type does not have.
func Into(u *unstructured.Unstructured, into runtime.Object) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		return fmt.Errorf("%s: %w", Key(u), err)
	}
	return nil
}

// ControllerDeployment is the name of mhpa-controller's Deployment and of its container.
const (
	ControllerDeployment = "mhpa-controller"
	ControllerContainer  = "manager"
)

// Deployment returns the mhpa-controller Deployment of objs.
func Deployment(objs []*unstructured.Unstructured) (*appsv1.Deployment, error) {
	var found *appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() != "Deployment" || o.GetName() != ControllerDeployment {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("two Deployments named %s", ControllerDeployment)
		}
		found = &appsv1.Deployment{}
		if err := Into(o, found); err != nil {
			return nil, err
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no Deployment named %s", ControllerDeployment)
	}
	return found, nil
}

// Container returns the container named name of the Deployment's pod template.
func Container(d *appsv1.Deployment, name string) (*corev1.Container, error) {
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("Deployment %s/%s has no container %q", d.Namespace, d.Name, name)
}

// ContainerArgs returns the args of the container as the kubelet runs them in a pod of the
// Deployment in its namespace: $(VAR) references to the container's environment are expanded
// (values, and the pod's metadata.name and metadata.namespace through fieldRef) and $$ is a
// literal $. A reference to a variable that is not defined is kept as it is, as the kubelet
// keeps it; a variable from any other source is an error, since the pod's value is not known
// here.
func ContainerArgs(d *appsv1.Deployment, container string) ([]string, error) {
	c, err := Container(d, container)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = Expand(e.Value, env)
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env[e.Name] = d.Namespace
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name":
			env[e.Name] = d.Name + "-0"
		default:
			return nil, fmt.Errorf("container %q: env %s: only values and the fieldRefs metadata.namespace and metadata.name are known outside a pod", container, e.Name)
		}
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = Expand(a, env)
	}
	return args, nil
}

// Expand expands $(VAR) references in s from env as the kubelet expands a container's command,
// args and env: a defined variable is replaced by its value, an undefined one is kept as
// written, and $$ becomes $.
func Expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
