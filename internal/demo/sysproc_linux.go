package demo

import "syscall"

// sysProcAttr puts a child in its own process group, so that stop can signal the group, and
// has the kernel kill it when the demo dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
