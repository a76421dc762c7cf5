package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/builtin"
	"github.com/mhpa-dev/mhpa/internal/cli"
)

const importLong = `Convert built-in HorizontalPodAutoscalers (autoscaling/v2 and autoscaling/v1) into mhpa's
autoscaling.mhpa.dev/v2 ones with the same meaning.

The conversion renames what autoscaling.mhpa.dev/v2 renamed: the metric type Resource becomes
PodResource (and its field resource becomes podResource), and selectPolicy Max, Min and
Disabled become MaxChange, MinChange and ScalingDisabled. An autoscaling.mhpa.dev/subdomains
annotation becomes the subdomain of each metric; autoscaling/v1's alpha annotations become
metrics and behavior. Name, namespace, labels and annotations are kept; status, owner
references, finalizers and kubectl's last-applied-configuration annotation are not. Each
result is validated as the API server would validate it.

The autoscalers come from the cluster (NAME..., or --all of a namespace, or -A of every
namespace) or from files (-f, "-" for standard input; several documents and Lists as
"kubectl get hpa -o yaml" writes them are read). Files may also hold older versions of mhpa's
own autoscalers, which are converted to v2.

By default the result is printed as YAML to review (or -o json). --apply applies it to the
cluster with server-side apply instead; --dry-run=server has the API server and mhpa's
webhooks check it without storing anything.

Two controllers must never scale one target: kube-controller-manager's HPA controller and mhpa
do not see each other's autoscalers. Replace one autoscaler at a time:

  kubectl mhpa import web -n shop > web.yaml                  # 1. convert, and review
  kubectl mhpa import web -n shop --apply --dry-run=server    # 2. the cluster accepts it
  kubectl delete hpa.autoscaling web -n shop                  # 3. the built-in one lets go
  kubectl apply -f web.yaml                                   # 4. mhpa takes over

The replica count stays where it is between steps 3 and 4. See docs/migration.md, which also
describes the alternative of keeping built-in autoscalers and letting mhpa reconcile them
(mhpa-controller --builtin-hpas).`

const importExample = `  # One built-in autoscaler of the current namespace, as YAML to review:
  kubectl mhpa import web

  # Every built-in autoscaler of namespace shop, into a file:
  kubectl mhpa import --all -n shop > shop-hpas.yaml

  # Every built-in autoscaler of the cluster:
  kubectl get hpa.autoscaling -A -o yaml > builtin.yaml
  kubectl mhpa import -f builtin.yaml

  # Apply the converted autoscaler (after deleting the built-in one):
  kubectl mhpa import -f web-hpa.yaml --apply -n shop`

// importOptions are the flags of the import command.
type importOptions struct {
	files          []string
	all            bool
	allNamespaces  bool
	apply          bool
	dryRun         string
	forceConflicts bool
	fieldManager   string
	output         string
}

func newImportCommand(streams ioStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	o := importOptions{dryRun: "none", fieldManager: "kubectl-mhpa-import", output: "yaml"}
	cmd := &cobra.Command{
		Use:     "import (NAME... | --all [-A] | -f FILE...) [--apply [--dry-run=server]] [flags]",
		Short:   "Convert built-in HorizontalPodAutoscalers into mhpa autoscalers, to review or apply",
		Long:    importLong,
		Example: importExample,
		RunE: func(cmd *cobra.Command, names []string) error {
			if err := o.validate(names); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams, flags, names)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVarP(&o.files, "filename", "f", o.files, "Read built-in autoscalers from these files instead of the cluster (\"-\" for standard input); repeat or separate with commas.")
	fs.BoolVar(&o.all, "all", o.all, "Import every built-in autoscaler of the namespace (with -A, of every namespace).")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", o.allNamespaces, "With --all: every namespace instead of the current one.")
	fs.BoolVar(&o.apply, "apply", o.apply, "Apply the converted autoscalers to the cluster with server-side apply instead of printing them.")
	fs.StringVar(&o.dryRun, "dry-run", o.dryRun, "With --apply: \"server\" has the API server and mhpa's webhooks check the autoscalers without storing them; \"none\" applies them.")
	fs.BoolVar(&o.forceConflicts, "force-conflicts", o.forceConflicts, "With --apply: take over fields that another field manager set, as kubectl apply --server-side --force-conflicts does.")
	fs.StringVar(&o.fieldManager, "field-manager", o.fieldManager, "With --apply: the field manager of the applied fields.")
	fs.StringVarP(&o.output, "output", "o", o.output, "Output format of the converted autoscalers: yaml or json (without --apply).")
	addKubeconfigFlags(cmd, flags)
	return cmd
}

func (o *importOptions) validate(names []string) error {
	sources := 0
	for _, given := range []bool{len(names) > 0, o.all, len(o.files) > 0} {
		if given {
			sources++
		}
	}
	switch {
	case sources == 0:
		return fmt.Errorf("nothing to import: give the names of built-in HorizontalPodAutoscalers, --all, or -f FILE (see kubectl mhpa import --help)")
	case sources > 1:
		return fmt.Errorf("give only one of NAME..., --all and -f/--filename")
	case o.allNamespaces && !o.all:
		return fmt.Errorf("-A/--all-namespaces goes with --all")
	case o.output != "yaml" && o.output != "json":
		return fmt.Errorf("-o/--output=%q: must be yaml or json", o.output)
	case o.dryRun != "none" && o.dryRun != "server":
		return fmt.Errorf("--dry-run=%q: must be server or none (without --apply nothing is sent to the cluster)", o.dryRun)
	case !o.apply && (o.dryRun != "none" || o.forceConflicts):
		return fmt.Errorf("--dry-run and --force-conflicts go with --apply")
	}
	return nil
}

func (o *importOptions) run(ctx context.Context, streams ioStreams, flags *genericclioptions.ConfigFlags, names []string) error {
	var hpas []*cli.HPA
	var cluster *cli.Cluster
	var err error
	if len(o.files) == 0 || o.apply {
		if cluster, err = cli.NewCluster(flags); err != nil {
			return err
		}
	}
	if len(o.files) > 0 {
		hpas, err = o.readFiles(streams.In)
	} else {
		hpas, err = o.readCluster(ctx, cluster, names)
	}
	if err != nil {
		return err
	}
	objs := make([]*unstructured.Unstructured, 0, len(hpas))
	for _, h := range hpas {
		u, err := cli.ForImport(h)
		if err != nil {
			return err
		}
		if o.apply && u.GetNamespace() == "" {
			u.SetNamespace(cluster.Namespace)
		}
		if o.apply && cluster.ExplicitNamespace && u.GetNamespace() != cluster.Namespace {
			return fmt.Errorf("%s: the autoscaler %q is in namespace %q, not in %q of -n/--namespace: remove one of them", h.Source, u.GetName(), u.GetNamespace(), cluster.Namespace)
		}
		objs = append(objs, u)
	}
	if !o.apply {
		return o.print(streams.Out, hpas, objs)
	}
	return o.applyAll(ctx, streams, cluster, objs)
}

// readFiles reads the autoscalers of every -f file.
func (o *importOptions) readFiles(stdin io.Reader) ([]*cli.HPA, error) {
	var out []*cli.HPA
	for _, f := range o.files {
		var data []byte
		var err error
		if f == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		hpas, err := cli.DecodeHPAs(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, hpas...)
	}
	return out, nil
}

// readCluster reads the named built-in autoscalers of the namespace, or all of them.
func (o *importOptions) readCluster(ctx context.Context, cluster *cli.Cluster, names []string) ([]*cli.HPA, error) {
	api := cluster.Kube.AutoscalingV2()
	var items []autoscalingv2.HorizontalPodAutoscaler
	if o.all {
		ns := cluster.Namespace
		if o.allNamespaces {
			ns = metav1.NamespaceAll
		}
		list, err := api.HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cli.APIError(err, cli.BuiltinHPAResource, "listing built-in autoscalers", cluster.Namespace)
		}
		items = list.Items
		if len(items) == 0 {
			where := "namespace " + cluster.Namespace
			if o.allNamespaces {
				where = "any namespace"
			}
			return nil, fmt.Errorf("no built-in HorizontalPodAutoscalers (autoscaling/v2) in %s", where)
		}
	}
	for _, name := range names {
		h, err := api.HorizontalPodAutoscalers(cluster.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, cli.APIError(err, cli.BuiltinHPAResource, fmt.Sprintf("built-in autoscaler %q in namespace %q", name, cluster.Namespace), cluster.Namespace)
		}
		items = append(items, *h)
	}
	out := make([]*cli.HPA, 0, len(items))
	for i := range items {
		h := &items[i]
		source := fmt.Sprintf("autoscaling/v2 HorizontalPodAutoscaler %s/%s", h.Namespace, h.Name)
		obj, err := builtin.FromV2(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		out = append(out, &cli.HPA{Source: source, Line: 1, APIVersion: "autoscaling/v2", Object: obj})
	}
	return out, nil
}

// print writes the converted autoscalers as YAML documents, each after a comment naming its
// origin, or as JSON (one object, or a List of them).
func (o *importOptions) print(w io.Writer, hpas []*cli.HPA, objs []*unstructured.Unstructured) error {
	if o.output == "json" {
		var v any = objs[0].Object
		if len(objs) > 1 {
			items := make([]any, len(objs))
			for i, u := range objs {
				items[i] = u.Object
			}
			v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	for i, u := range objs {
		if i > 0 {
			fmt.Fprintln(w, "---")
		}
		data, err := yaml.Marshal(u.Object)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "# Converted from %s.\n%s", origin(hpas[i]), data)
	}
	return nil
}

// origin names where an autoscaler was read from.
func origin(h *cli.HPA) string {
	if strings.HasPrefix(h.Source, "autoscaling/") {
		return h.Source
	}
	return fmt.Sprintf("%s %s (%s:%d)", h.APIVersion, cli.HPAKind, h.Source, h.Line)
}

// applyAll applies each autoscaler with server-side apply and reports it as kubectl does,
// then warns about built-in autoscalers that still scale the same targets.
func (o *importOptions) applyAll(ctx context.Context, streams ioStreams, cluster *cli.Cluster, objs []*unstructured.Unstructured) error {
	opts := metav1.ApplyOptions{FieldManager: o.fieldManager, Force: o.forceConflicts}
	suffix := ""
	if o.dryRun == "server" {
		opts.DryRun = []string{metav1.DryRunAll}
		suffix = " (server dry run)"
	}
	for _, u := range objs {
		what := fmt.Sprintf("autoscaler %q in namespace %q", u.GetName(), u.GetNamespace())
		_, err := cluster.Dynamic.Resource(cli.HPAResource).Namespace(u.GetNamespace()).Apply(ctx, u.GetName(), u, opts)
		if apierrors.IsConflict(err) {
			return fmt.Errorf("applying %s: %w\n(another field manager owns these fields; re-run with --force-conflicts to take them over)", what, err)
		}
		if err != nil {
			return cli.APIError(err, cli.HPAResource, "applying "+what, u.GetNamespace())
		}
		fmt.Fprintf(streams.Out, "horizontalpodautoscaler.autoscaling.mhpa.dev/%s serverside-applied%s\n", u.GetName(), suffix)
		if o.dryRun == "server" {
			continue
		}
		builtinHPA, err := cluster.Kube.AutoscalingV2().HorizontalPodAutoscalers(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{})
		if err == nil {
			ref := builtinHPA.Spec.ScaleTargetRef
			fmt.Fprintf(streams.ErrOut, "Warning: the built-in autoscaler %s/%s still scales %s/%s as well: two controllers must not scale one target. Delete it now: kubectl delete hpa.autoscaling %s -n %s (docs/migration.md)\n",
				u.GetNamespace(), u.GetName(), ref.Kind, ref.Name, u.GetName(), u.GetNamespace())
		}
	}
	return nil
}
