//go:build !unix

package main

// unixFixtures need Unix processes; there are none here.
var unixFixtures = map[string]func(args []string) int{}
