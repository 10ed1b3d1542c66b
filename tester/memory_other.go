//go:build !unix

package main

import "fmt"

// resident cannot be measured here: Windows has neither /proc nor ps.
func (c *child) resident() (residentSample, error) {
	return residentSample{}, fmt.Errorf("%w on this system", errNoMeter)
}
