package main

import (
	"github.com/panjf2000/gnet/v2"
)

// cannedAnswer is what the gnet server sends for every read, whatever it
// read: the stages' answer to GET /echo/hello.
var cannedAnswer = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")

// cannedServer answers every read with cannedAnswer and parses nothing,
// as gnet's own HTTP benchmark does. It is not an HTTP server: it measures
// what a Go event loop costs on its own, the floor under stage 6. With
// wrk, which sends a request only once the previous answer has arrived,
// one read is one request; a client that pipelined two requests in one
// packet would get one answer.
type cannedServer struct {
	gnet.BuiltinEventEngine
}

// OnTraffic drops what arrived and queues the canned answer; gnet writes it
// when the handler returns.
func (*cannedServer) OnTraffic(c gnet.Conn) gnet.Action {
	if _, err := c.Discard(-1); err != nil {
		return gnet.Close
	}
	if _, err := c.Write(cannedAnswer); err != nil {
		return gnet.Close
	}
	return gnet.None
}

// serveGnet runs one event loop per CPU, each with its own SO_REUSEPORT
// listening socket: the shape of stage 6's loops.
func serveGnet(addr string) error {
	return gnet.Run(&cannedServer{}, "tcp://"+addr, gnet.WithMulticore(true), gnet.WithReusePort(true))
}
