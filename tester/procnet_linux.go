package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// tcpListen is the LISTEN state in /proc/net/tcp ("0A").
const tcpListen = "0A"

// listenSockets reads the kernel's tables of TCP sockets, IPv4 and IPv6,
// and returns the inode of every listening socket with its port.
func listenSockets() (map[uint64]int, bool) {
	out := map[uint64]int{}
	known := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		known = true
		sc := bufio.NewScanner(f)
		sc.Scan() // the column titles
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != tcpListen {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			port, err1 := strconv.ParseUint(hexPort, 16, 16)
			inode, err2 := strconv.ParseUint(fields[9], 10, 64)
			if err1 == nil && err2 == nil {
				out[inode] = int(port)
			}
		}
		f.Close()
	}
	return out, known
}

// socketsOf maps the inode of every socket the processes hold, read from
// their /proc/PID/fd links ("socket:[12345]"), to the process holding it.
func socketsOf(pids []int) map[uint64]int {
	out := map[uint64]int{}
	for _, pid := range pids {
		dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			link, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inode, err := strconv.ParseUint(strings.Trim(link[len("socket:"):], "[]"), 10, 64); err == nil {
				out[inode] = pid
			}
		}
	}
	return out
}

// allPIDs lists every process /proc shows.
func allPIDs() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// describePID names a process for a message: "pid 123 (python3)".
func describePID(pid int) string {
	comm, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return "pid " + strconv.Itoa(pid)
	}
	return fmt.Sprintf("pid %d (%s)", pid, escapeLine(strings.TrimSpace(string(comm))))
}

// whoListens says who holds the listening sockets on port: a process this
// run started (the guard's descendants, orphans included), someone else,
// or nobody. It reads /proc and never connects, so that another program's
// server on the port sees nothing of the tester.
func (c *child) whoListens(port int) (holder, string) {
	socks, known := listenSockets()
	if !known {
		return holderUnknown, ""
	}
	var onPort []uint64
	for inode, p := range socks {
		if p == port {
			onPort = append(onPort, inode)
		}
	}
	if len(onPort) == 0 {
		return holderNone, ""
	}
	ours := socketsOf(c.tree())
	for _, inode := range onPort {
		if pid, ok := ours[inode]; ok {
			return holderOurs, describePID(pid)
		}
	}
	everyone := socketsOf(allPIDs())
	for _, inode := range onPort {
		if pid, ok := everyone[inode]; ok {
			return holderOther, describePID(pid)
		}
	}
	return holderOther, "a process you may not inspect"
}

// listeningPorts lists the TCP ports the run's processes listen on.
func (c *child) listeningPorts() []int {
	socks, known := listenSockets()
	if !known {
		return nil
	}
	seen := map[int]bool{}
	for inode := range socketsOf(c.tree()) {
		if port, ok := socks[inode]; ok {
			seen[port] = true
		}
	}
	ports := make([]int, 0, len(seen))
	for p := range seen {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	return ports
}

// portInUse reports whether anything listens on port, without connecting.
func portInUse(port string) bool {
	socks, known := listenSockets()
	if !known {
		return reachable("localhost:" + port)
	}
	n, _ := strconv.Atoi(port)
	for _, p := range socks {
		if p == n {
			return true
		}
	}
	return false
}
