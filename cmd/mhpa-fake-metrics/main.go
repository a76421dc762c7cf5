// Command mhpa-fake-metrics runs a programmable metrics server (see
// internal/fakemetrics) for the demo: it serves the given metrics API groups
// on 127.0.0.1, registers them as APIServices in the cluster of --kubeconfig,
// and takes values and faults through a loopback HTTP control API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
)

// groupsFlag collects repeated --group flags.
type groupsFlag []string

func (g *groupsFlag) String() string     { return strings.Join(*g, ",") }
func (g *groupsFlag) Set(v string) error { *g = append(*g, v); return nil }

func main() {
	var (
		groups  groupsFlag
		opts    fakemetrics.Options
		kubecfg string
		control string
	)
	flag.Var(&groups, "group", "API group to serve, repeatable, e.g. --group external.metrics.k8s.io --group tenant-a.external.metrics.k8s.io")
	flag.StringVar(&kubecfg, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to register with and delegate authentication and authorization to; empty runs standalone, letting everyone in")
	flag.IntVar(&opts.Port, "port", 0, "port to serve the metrics APIs on at 127.0.0.1 (0 picks a free one)")
	flag.StringVar(&control, "control-address", "127.0.0.1:8099", "loopback address of the control API")
	flag.StringVar(&opts.ServiceNamespace, "service-namespace", "kube-system", "namespace of the ExternalName Service the APIServices point at")
	flag.StringVar(&opts.ServiceName, "service-name", "", "name of that Service (default mhpa-fake-metrics-<port>)")
	flag.BoolVar(&opts.SkipRegistration, "skip-registration", false, "do not create the Service and APIServices")
	flag.DurationVar(&opts.Window, "window", 30*time.Second, "measurement window reported with every value")
	flag.DurationVar(&opts.RequestTimeout, "request-timeout", 60*time.Second, "longest time a metrics request may take before it is answered with 504")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s --group GROUP [--group GROUP...] [flags]\n\nFlags:\n", os.Args[0])
		flag.PrintDefaults()
		fmt.Fprintf(flag.CommandLine.Output(), "\n%s", fakemetrics.ControlAPIHelp)
	}
	flag.Parse()
	opts.Groups = groups

	if err := run(opts, kubecfg, control); err != nil {
		fmt.Fprintln(os.Stderr, "mhpa-fake-metrics:", err)
		os.Exit(1)
	}
}

func run(opts fakemetrics.Options, kubeconfig, controlAddress string) error {
	if host, _, err := net.SplitHostPort(controlAddress); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("--control-address %q: must be a loopback host:port such as 127.0.0.1:8099", controlAddress)
	}
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return fmt.Errorf("--kubeconfig %q: %w", kubeconfig, err)
		}
		opts.KubeConfig = rest.CopyConfig(cfg)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := fakemetrics.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer srv.Stop() //nolint:errcheck // best effort on the way out

	lis, err := net.Listen("tcp", controlAddress)
	if err != nil {
		return fmt.Errorf("--control-address %q: %w", controlAddress, err)
	}
	ctl := &http.Server{Handler: fakemetrics.ControlHandler(srv), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = ctl.Close()
	}()
	fmt.Printf("serving %s on https://127.0.0.1:%d; control API on http://%s\n", strings.Join(opts.Groups, ", "), srv.Port(), lis.Addr())
	if err := ctl.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return srv.Stop()
}
