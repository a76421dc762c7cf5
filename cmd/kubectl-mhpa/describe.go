package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/cli"
	"github.com/mhpa-dev/mhpa/internal/explain"
)

const describeLong = `Describe mhpa HorizontalPodAutoscalers (autoscaling.mhpa.dev) and explain their last decision.

For each autoscaler it shows:
  - each metric: its subdomain and the metrics API group it is read from (for example
    tenant-a.external.metrics.k8s.io), its current value and target, and the replica count it
    proposed in the last decision, or why it failed; the metric whose proposal won is marked;
  - the last decision: current and desired replicas, the recommendation, the limit or
    stabilization window that changed it (ScaleUpLimit, ScaleDownStabilized, TooManyReplicas,
    ...) and the setting it comes from, and the controller's own explanation;
  - the behavior in force, the history the windows and policies look back at, and how shadow
    metrics compared with the metrics they shadow;
  - the conditions and the recent events.

Everything shown is what mhpa-controller recorded in the autoscaler's status and events, in
its words: nothing is recomputed. Without NAME, every autoscaler of the namespace (or of the
label selector) is described.

For built-in autoscalers (autoscaling/v2) use "kubectl describe hpa NAME"; to convert them,
"kubectl mhpa import".`

const describeExample = `  # Why did "web" scale (or not)?
  kubectl mhpa describe web -n shop

  # Every autoscaler of the current namespace, or those with a label:
  kubectl mhpa describe
  kubectl mhpa describe -l team=orders`

func newDescribeCommand(streams ioStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	selector := ""
	cmd := &cobra.Command{
		Use:     "describe [NAME...] [-n NAMESPACE] [-l SELECTOR]",
		Short:   "Show an autoscaler's metrics, proposals, last decision, conditions and events",
		Long:    describeLong,
		Example: describeExample,
		RunE: func(cmd *cobra.Command, names []string) error {
			if len(names) > 0 && selector != "" {
				return fmt.Errorf("give NAMEs or -l/--selector, not both")
			}
			cluster, err := cli.NewCluster(flags)
			if err != nil {
				return err
			}
			hpas, err := getHPAs(cmd.Context(), cluster, names, selector)
			if err != nil {
				return err
			}
			if len(hpas) == 0 {
				fmt.Fprintf(streams.ErrOut, "No autoscalers (autoscaling.mhpa.dev) found in namespace %s.\n", cluster.Namespace)
				return nil
			}
			for i, hpa := range hpas {
				events, err := hpaEvents(cmd.Context(), cluster, hpa)
				if err != nil {
					return err
				}
				if i > 0 {
					fmt.Fprintln(streams.Out)
				}
				fmt.Fprint(streams.Out, explain.Describe(explain.Input{HPA: hpa, Events: events, Now: time.Now()}))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&selector, "selector", "l", selector, "Label selector of the autoscalers to describe, for example team=orders.")
	addKubeconfigFlags(cmd, flags)
	return cmd
}

// getHPAs reads the named autoscalers, or those of the selector (all when empty), of the
// cluster's namespace.
func getHPAs(ctx context.Context, cluster *cli.Cluster, names []string, selector string) ([]*v2.HorizontalPodAutoscaler, error) {
	client := cluster.Dynamic.Resource(cli.HPAResource).Namespace(cluster.Namespace)
	var items []unstructured.Unstructured
	if len(names) == 0 {
		list, err := client.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, cli.APIError(err, cli.HPAResource, "listing autoscalers in namespace "+cluster.Namespace, cluster.Namespace)
		}
		items = list.Items
	}
	for _, name := range names {
		u, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			err = cli.APIError(err, cli.HPAResource, fmt.Sprintf("autoscaler %q in namespace %q", name, cluster.Namespace), cluster.Namespace)
			if _, builtinErr := cluster.Kube.AutoscalingV2().HorizontalPodAutoscalers(cluster.Namespace).Get(ctx, name, metav1.GetOptions{}); builtinErr == nil {
				err = fmt.Errorf("%w\n%q is a built-in autoscaler (autoscaling/v2): describe it with `kubectl describe hpa %s -n %s`, or convert it with `kubectl mhpa import %s -n %s`",
					err, name, name, cluster.Namespace, name, cluster.Namespace)
			}
			return nil, err
		}
		items = append(items, *u)
	}
	out := make([]*v2.HorizontalPodAutoscaler, len(items))
	for i := range items {
		out[i] = &v2.HorizontalPodAutoscaler{}
		if err := cli.FromUnstructured(&items[i], out[i]); err != nil {
			return nil, fmt.Errorf("decoding autoscaler %s/%s: %w", items[i].GetNamespace(), items[i].GetName(), err)
		}
	}
	return out, nil
}

// hpaEvents lists the events of the autoscaler (by its UID, so that a built-in autoscaler of
// the same name does not mix in).
func hpaEvents(ctx context.Context, cluster *cli.Cluster, hpa *v2.HorizontalPodAutoscaler) ([]corev1.Event, error) {
	sel := fields.Set{
		"involvedObject.kind":      cli.HPAKind,
		"involvedObject.name":      hpa.Name,
		"involvedObject.namespace": hpa.Namespace,
		"involvedObject.uid":       string(hpa.UID),
	}.AsSelector().String()
	list, err := cluster.Kube.CoreV1().Events(hpa.Namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, cli.APIError(err, corev1.SchemeGroupVersion.WithResource("events"), "listing the events of autoscaler "+hpa.Name, hpa.Namespace)
	}
	return list.Items, nil
}
