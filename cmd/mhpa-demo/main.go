package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/mhpa-dev/mhpa/internal/demo"
)

func main() {
	var opts demo.Options
	fs := pflag.NewFlagSet("mhpa-demo", pflag.ContinueOnError)
	opts.AddFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, demo.Usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "mhpa-demo:", err, "(see --help)")
		os.Exit(2)
	}
	opts.ApplyShort(fs.Changed)
	if demo.IsTerminal(os.Stdout) {
		opts.Live, opts.Width = true, demo.TerminalWidth(os.Stdout)-1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the demo at once; its children die with it
	}()
	if _, err := demo.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "mhpa-demo:", err)
		if demo.IsInterrupted(err) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}
