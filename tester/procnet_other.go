//go:build !unix

package main

// whoListens cannot tell who holds a port here.
func (c *child) whoListens(int) (holder, string) { return holderUnknown, "" }

// listeningPorts cannot list the server's ports here.
func (c *child) listeningPorts() []int { return nil }

// portInUse reports whether anything accepts connections on port.
func portInUse(port string) bool { return reachable("localhost:" + port) }
