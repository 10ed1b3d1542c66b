package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServer runs the server on a free loopback port until the test ends,
// and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addr) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "run must return cleanly on shutdown")
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
	return addr
}

func TestEcho(t *testing.T) {
	addr := startServer(t)
	big := make([]byte, 1<<20)
	_, err := rand.Read(big)
	require.NoError(t, err)

	tests := []struct {
		name    string
		payload []byte
	}{
		{"short line", []byte("hello\n")},
		{"binary with CR and NUL", []byte("a\r\x00b\xff")},
		{"1 MiB, more than one read", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))

			go func() {
				c.Write(tt.payload)
				c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			require.NoError(t, err, "the server closes after the client half-closes")
			assert.True(t, bytes.Equal(tt.payload, got), "echo differs: sent %d bytes, got %d", len(tt.payload), len(got))
		})
	}
}

// TestClientVanishes checks that a client closing mid-echo does not stop the
// server from serving the next one.
func TestClientVanishes(t *testing.T) {
	addr := startServer(t)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.Write(make([]byte, 4<<20))
	c.Close()

	c2, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c2.Write([]byte("still here\n"))
	require.NoError(t, err)
	buf := make([]byte, 11)
	_, err = io.ReadFull(c2, buf)
	require.NoError(t, err)
	assert.Equal(t, "still here\n", string(buf))
}

func TestListenAddr(t *testing.T) {
	t.Setenv("PORT", "")
	assert.Equal(t, ":4221", listenAddr())
	t.Setenv("PORT", "5000")
	assert.Equal(t, ":5000", listenAddr())
}
