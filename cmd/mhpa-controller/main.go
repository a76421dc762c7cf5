package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spf13/pflag"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
)

func main() {
	opts := controllerapp.DefaultOptions()
	fs := pflag.NewFlagSet("mhpa-controller", pflag.ExitOnError)
	opts.AddFlags(fs)
	zapOpts := zap.Options{}
	logFlags := flag.NewFlagSet("log", flag.ExitOnError)
	zapOpts.BindFlags(logFlags)
	fs.AddGoFlagSet(logFlags)
	_ = fs.Parse(os.Args[1:]) // ExitOnError: Parse exits on a bad flag
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "mhpa-controller: %v\n", err)
		os.Exit(1)
	}
}

func run(opts controllerapp.Options) error {
	cfg, err := controllerapp.RESTConfig(opts)
	if err != nil {
		return err
	}
	app, err := controllerapp.New(cfg, opts)
	if err != nil {
		return err
	}
	// Controllers are added to app.Manager here, before it starts.
	return app.Start(ctrl.SetupSignalHandler())
}
