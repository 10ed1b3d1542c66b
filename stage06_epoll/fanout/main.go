// Command fanout measures what the subscribers of GET /events cost a
// server, and how long one event takes to reach them all. It opens -n
// subscribers to the server at -addr and reads each one's head, so that
// every one is subscribed and idle; with -pid, it reads the server's
// resident memory before and after, and prints the cost of one idle
// subscriber. Then, -runs times, it creates a user with POST /users and
// times the event that follows, from the moment the POST is sent to the
// moment the last subscriber has read it, and prints the median, with the
// median time the POST itself took to be answered.
//
//	go run ./stage06_epoll/fanout -addr 127.0.0.1:4221 -n 10000 -pid $(pgrep -n stage06_epoll)
//
// Each subscriber is a file descriptor on both sides, so both processes
// need ulimit -n above -n, and the server needs --max-subscribers and
// --max-conns above it. The clock includes the client's own work: it reads
// the -n streams with a goroutine each, on the same machine, so compare
// two servers with the same client rather than read a figure alone.
// Chapter 6 explains the procedure (docs/06-epoll.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4221", "the server's address")
	n := flag.Int("n", 10000, "subscribers to open")
	par := flag.Int("par", 50, "subscribers being opened at the same time")
	runs := flag.Int("runs", 7, "events to time, one after the other")
	pid := flag.Int("pid", 0, "the server's process id, to read its resident memory; 0 reads none")
	flag.Parse()
	if *n < 1 || *par < 1 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "-n, -par and -runs must be at least 1")
		os.Exit(2)
	}
	log.SetFlags(0)

	before := rss(*pid)
	subs, err := subscribeAll(*addr, *n, *par)
	if err != nil {
		log.Fatal(err)
	}
	time.Sleep(time.Second) // let the server finish what the last subscriptions started
	if after := rss(*pid); *pid != 0 {
		fmt.Printf("%d subscribers: server resident memory %.1f MiB before, %.1f MiB after: %.2f KiB each\n",
			*n, mib(before), mib(after), float64(after-before)/float64(*n)/1024)
	}

	var w watch
	for _, s := range subs {
		go w.read(s)
	}
	api, err := net.Dial("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	br := bufio.NewReader(api)
	var times, answers []time.Duration
	for run := 1; run <= *runs; run++ {
		took, answered, err := w.time(api, br, *addr, int64(*n)*int64(run), run)
		if err != nil {
			log.Fatalf("event %d: %v", run, err)
		}
		fmt.Printf("event %d: POST answered in %v, the last of %d subscribers had it after %v\n", run, answered.Round(time.Microsecond), *n, took.Round(time.Microsecond))
		times, answers = append(times, took), append(answers, answered)
	}
	fmt.Printf("median of %d: %v from the POST to the last subscriber; the POST answered in %v\n",
		*runs, median(times).Round(time.Microsecond), median(answers).Round(time.Microsecond))
}

// subscribeAll opens n subscribers to GET /events on addr, at most par at
// a time, and returns them once each has read its head.
func subscribeAll(addr string, n, par int) ([]*bufio.Reader, error) {
	subs := make([]*bufio.Reader, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			br, err := subscribe(addr)
			if err != nil {
				errs <- fmt.Errorf("subscriber %d: %w (raise ulimit -n, and the server's --max-conns and --max-subscribers, if it refused it)", i+1, err)
				return
			}
			subs[i] = br
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	fmt.Printf("%d subscribers open in %v\n", n, time.Since(start).Round(time.Millisecond))
	return subs, nil
}

// subscribe sends GET /events on a new connection and reads the head,
// which must say 200. The connection stays open, read by the reader.
func subscribe(addr string) (*bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(c, 1024)
	if _, err := fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr); err != nil {
		c.Close()
		return nil, err
	}
	status, err := br.ReadString('\n')
	for line := status; err == nil && line != "\r\n"; {
		line, err = br.ReadString('\n')
	}
	if err == nil && !strings.HasPrefix(status, "HTTP/1.1 200 ") {
		err = fmt.Errorf("answered %q", strings.TrimSpace(status))
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return br, nil
}

// watch counts the events that reach the subscribers, and when the last
// of each round arrived.
type watch struct {
	start   atomic.Int64 // when the current round's POST was sent, in Unix nanoseconds
	arrived atomic.Int64 // user.created events read, across the rounds
	last    atomic.Int64 // the longest wait of the current round, in nanoseconds
}

// read reads one subscriber's stream line by line, whatever its framing,
// and counts each user.created event as it comes.
func (w *watch) read(br *bufio.Reader) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line != "event: user.created\n" {
			continue
		}
		took := time.Now().UnixNano() - w.start.Load()
		for old := w.last.Load(); took > old && !w.last.CompareAndSwap(old, took); old = w.last.Load() {
		}
		w.arrived.Add(1)
	}
}

// time creates a user on api and waits until want events have arrived in
// all, then returns how long the last one of this round took, and how
// long the POST took to be answered.
func (w *watch) time(api net.Conn, br *bufio.Reader, addr string, want int64, run int) (time.Duration, time.Duration, error) {
	body := `{"name":"fanout ` + strconv.Itoa(run) + `"}`
	req := fmt.Sprintf("POST /users HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
	w.last.Store(0)
	start := time.Now()
	w.start.Store(start.UnixNano())
	if _, err := api.Write([]byte(req)); err != nil {
		return 0, 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	answered := time.Since(start)
	if resp.StatusCode != http.StatusCreated {
		return 0, 0, fmt.Errorf("POST /users answered %s", resp.Status)
	}
	for deadline := time.Now().Add(time.Minute); w.arrived.Load() < want; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("only %d of %d events arrived within a minute", w.arrived.Load(), want)
		}
	}
	return time.Duration(w.last.Load()), answered, nil
}

// rss returns the resident memory of process pid, in bytes, or 0.
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatalf("-pid: %v (resident memory is read from /proc, on Linux)", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// median returns the middle of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
