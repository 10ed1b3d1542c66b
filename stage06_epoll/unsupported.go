//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// This stage talks to the kernel's readiness API directly: epoll on Linux,
// kqueue on macOS and the BSDs. Windows has neither (its completion ports
// work the other way round), so the stage does not build there; use WSL, a
// Linux container or a Linux or BSD machine. The identifier below is
// undefined on purpose, so that the compiler's error says why.
var _ = stage06_epoll_needs_linux_or_a_BSD_or_macOS
