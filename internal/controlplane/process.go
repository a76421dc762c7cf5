package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// process is one control plane binary running as a child process, its output in a log file.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error         // the exit error, set before done is closed
	killed  bool          // set by stop before it signals
}

// startProcess starts bin with args in its own process group, output appended to logPath.
func startProcess(name, bin string, args []string, logPath string) (*process, error) {
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
	p := &process{name: name, logPath: logPath, cmd: cmd, logFile: logFile, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		p.logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL if the process has not exited within
// grace, and waits for it. It returns an error if the process had exited before stop was
// called, since a control plane process should not exit by itself.
func (p *process) stop(grace time.Duration) error {
	if p.exited() {
		if p.killed {
			return nil
		}
		p.killed = true
		return fmt.Errorf("%s exited unexpectedly (%v); last lines of %s:\n%s", p.name, p.waitErr, p.logPath, TailFile(p.logPath, 20))
	}
	p.killed = true
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything else left in the group (the binaries start none) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// exitError describes a process that exited while Start waited for it.
func (p *process) exitError() error {
	return fmt.Errorf("%s exited (%v) before it was ready; last lines of %s:\n%s", p.name, p.waitErr, p.logPath, TailFile(p.logPath, 30))
}

// errPortInUse marks a start that failed because another program took a chosen port.
var errPortInUse = errors.New("port in use")

// bindRace reports whether the process's log shows it failed to bind a port.
func (p *process) bindRace() bool {
	data, err := os.ReadFile(p.logPath)
	return err == nil && bytes.Contains(data, []byte("address already in use"))
}

// TailFile returns the last n lines of the file at path (a process log), or a note saying why
// it cannot.
func TailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	// Logs can be large; the last 64 KiB hold the last lines.
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		_, _ = f.Seek(-window, io.SeekEnd)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
