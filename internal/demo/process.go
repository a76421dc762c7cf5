package demo

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
)

// stopGrace is how long a child may take to exit after SIGTERM before it is killed.
const stopGrace = 10 * time.Second

// child is a program the demo runs (a metrics server, mhpa-controller), its output in a log
// file.
type child struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited and been reaped
	waitErr error         // set before done is closed
	stopped bool
}

// startChild starts bin with args in its own process group (so that a Ctrl-C in the terminal
// reaches only the demo, which stops its children in order), output appended to logPath.
func startChild(name, bin string, args []string, logPath string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logFile, "=== %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

// pid returns the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// exitError describes a child that exited by itself, with the end of its log.
func (c *child) exitError() error {
	return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", c.name, c.waitErr, c.logPath, controlplane.TailFile(c.logPath, 25))
}

// stop sends SIGTERM to the child's process group, SIGKILL if it has not exited within grace,
// and waits for it. It returns an error if the child had exited by itself before.
func (c *child) stop(grace time.Duration) error {
	if c.stopped {
		return nil
	}
	c.stopped = true
	if c.exited() {
		return c.exitError()
	}
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.done
	}
	// Anything else left in the group goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// errInterrupted is the cause of a run ended by the user (Ctrl-C).
var errInterrupted = errors.New("interrupted")
