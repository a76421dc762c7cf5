package demo

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Children returns the processes whose parent is pid, from /proc: their ids and program names.
// A child that has exited but was not waited for is listed too, marked as such.
func Children(pid int) []Process {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []Process
	for _, e := range entries {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil || ppid != pid {
			continue
		}
		name := s[open+1 : closing] // at most 15 characters; the command line has the full name
		if cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
			if argv0, _, _ := strings.Cut(string(cmdline), "\x00"); argv0 != "" {
				name = filepath.Base(argv0)
			}
		}
		if fields[0] == "Z" {
			name += " (exited, not reaped)"
		}
		out = append(out, Process{Name: name, PID: id})
	}
	return out
}
