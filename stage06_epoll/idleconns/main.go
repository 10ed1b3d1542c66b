// Command idleconns measures what an idle connection costs a server. It
// opens -n keep-alive connections to the server at -addr, sends one
// request on each and reads the whole answer, so that every connection has
// served a request and waits for the next, then holds them all open and
// silent until it is interrupted (or -hold has passed). While it holds
// them, read the server's resident memory:
//
//	go run ./stage06_epoll/idleconns -addr 127.0.0.1:4221 -n 10000
//	grep VmRSS /proc/$(pgrep -f stage06_epoll)/status
//
// Each connection is a file descriptor on both sides, so both processes
// need ulimit -n above -n; start the server with -idle-timeout long enough
// that it does not close them while you measure. Chapter 6 explains the
// procedure (docs/06-epoll.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4221", "the server's address")
	n := flag.Int("n", 10000, "connections to open")
	par := flag.Int("par", 50, "connections being opened at the same time")
	hold := flag.Duration("hold", 0, "how long to hold the connections; 0 holds them until interrupted")
	flag.Parse()
	if *n < 1 || *par < 1 {
		fmt.Fprintln(os.Stderr, "-n and -par must be at least 1")
		os.Exit(2)
	}
	log.SetFlags(0)

	conns := make([]net.Conn, *n)
	sem := make(chan struct{}, *par) // bounds the connections being opened
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	start := time.Now()
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := open(*addr, i)
			if err != nil {
				mu.Lock()
				if failed == 0 {
					log.Printf("connection %d: %v (raise ulimit -n if this is \"too many open files\")", i+1, err)
				}
				failed++
				mu.Unlock()
				return
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	fmt.Printf("ready: %d open, %d failed, in %v; holding them idle\n", *n-failed, failed, time.Since(start).Round(time.Millisecond))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var timeout <-chan time.Time
	if *hold > 0 {
		timeout = time.After(*hold)
	}
	select {
	case <-sig:
	case <-timeout:
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// open connects to addr, sends one keep-alive request and reads the whole
// answer, which must be a 200. It returns the connection, still open.
func open(addr string, i int) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = fmt.Fprintf(c, "GET /echo/c%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, addr)
	var resp *http.Response
	if err == nil {
		resp, err = http.ReadResponse(bufio.NewReader(c), nil)
	}
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("answered %s", resp.Status)
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
