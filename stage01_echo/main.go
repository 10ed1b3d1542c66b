// Command stage01_echo is a TCP echo server: every byte a client sends comes
// straight back, until the client closes its side. It is the first stage of
// the workbook and the base every later stage is copied from.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	addr := flag.String("addr", listenAddr(), "address to listen on (host:port)")
	flag.Parse()

	log.SetPrefix("[echo] ")
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

// listenAddr honours the PORT environment variable, as the tester sets it, and
// falls back to 4221, the port CodeCrafters uses.
func listenAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":4221"
}

// run listens on addr and serves connections until ctx is cancelled. It
// returns only after every connection it accepted has been closed, so a
// shutdown never cuts an echo short without closing its socket.
func run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("listening on %s", ln.Addr())

	// Closing the listener is the only way to unblock Accept.
	go func() {
		<-ctx.Done()
		log.Printf("shutting down")
		ln.Close()
	}()

	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			serve(ctx, conn)
		}()
	}
}

// serve echoes one connection. Each connection has its own goroutine, so a
// slow client only ever blocks itself.
func serve(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	peer := conn.RemoteAddr()
	log.Printf("%s connected", peer)

	// On shutdown, wake the blocked Read so the connection ends promptly.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	n, err := echo(conn)
	if err != nil && ctx.Err() == nil {
		log.Printf("%s: %v after %d bytes", peer, err, n)
		return
	}
	log.Printf("%s closed after %d bytes", peer, n)
}

// echo copies what it reads back to the same connection until the client
// half-closes (Read returns io.EOF). A short read is normal: TCP is a byte
// stream, so Read returns whatever has arrived, not what the client wrote in
// one call. Write, on the other hand, returns only when every byte is written
// or the connection failed, so the loop never has to resend a remainder.
func echo(conn net.Conn) (int64, error) {
	buf := make([]byte, 32*1024)
	var total int64
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
