// Command kubectl-mhpa is the kubectl plugin of mhpa: kubectl mhpa describe, import, simulate
// and version. kubectl runs it for "kubectl mhpa ..." when it is on the PATH.
package main

import (
	"os"
)

func main() {
	streams := ioStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	if err := newRootCommand(streams).Execute(); err != nil {
		os.Exit(1)
	}
}
