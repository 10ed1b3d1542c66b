package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The benchmarks compare stage 2's dispatch, an if/else chain, with this
// stage's table, for apps of 5, 50 and 500 routes. Run them with
//
//	go test -run '^$' -bench Dispatch -benchtime 20000x -count 5 ./stage03_routing
//
// docs/03-routing.md reports the medians.

// chainRoute is one branch of an if/else chain such as stage 2's handle:
//
//	} else if req.Method == "GET" && req.Path == "/user-agent" {
type chainRoute struct {
	method, path string
	h            Handler
}

// chainDispatch stands in for an if/else chain of len(routes) branches. It
// makes the same comparisons in the same order as the literal chain: the
// branches are tried from the first, and the first whose method and path
// both match answers. A loop is used because writing 500 literal branches
// by hand is absurd, and generating them would measure the same thing:
// each branch compiles to the same two string comparisons, with the
// strings loaded from the slice instead of from constants.
func chainDispatch(routes []chainRoute, req *Request) *Response {
	for _, r := range routes {
		if req.Method == r.method && req.Path == r.path {
			return r.h(req)
		}
	}
	return &Response{Status: 404}
}

// benchRoutes returns n routes of an imaginary API, in the order a chain
// would test them, with one request for each. One route in four is a POST,
// the others GETs; the paths have different lengths, as real ones do.
func benchRoutes(n int) ([]chainRoute, []*Request) {
	ok := &Response{Status: 200}
	h := func(req *Request) *Response { return ok }
	routes := make([]chainRoute, n)
	reqs := make([]*Request, n)
	for i := range routes {
		method := "GET"
		if i%4 == 3 {
			method = "POST"
		}
		path := fmt.Sprintf("/api/v1/resource-%d/items", i*7919%100003)
		routes[i] = chainRoute{method, path, h}
		reqs[i] = request(method, path)
	}
	return routes, reqs
}

func benchTable(routes []chainRoute) Handler {
	rt := NewRouter()
	for _, r := range routes {
		rt.Handle(r.method, r.path, r.h)
	}
	return rt.Handler()
}

// BenchmarkDispatch asks for every route in turn, so the chain tests on
// average half its branches before it finds the one that answers.
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{5, 50, 500} {
		routes, reqs := benchRoutes(n)
		b.Run(fmt.Sprintf("routes=%d/chain", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if chainDispatch(routes, reqs[i%n]).Status != 200 {
					b.Fatal("no route")
				}
			}
		})
		table := benchTable(routes)
		b.Run(fmt.Sprintf("routes=%d/table", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if table(reqs[i%n]).Status != 200 {
					b.Fatal("no route")
				}
			}
		})
	}
}

// BenchmarkDispatchNotFound asks for a path no route has: the chain tests
// every branch before it can answer 404. The path is as long as most of
// the routes', so that comparing it with them means reading their bytes,
// not only their lengths.
func BenchmarkDispatchNotFound(b *testing.B) {
	for _, n := range []int{5, 50, 500} {
		routes, _ := benchRoutes(n)
		req := request("GET", "/api/v1/resource-99999/itemz")
		b.Run(fmt.Sprintf("routes=%d/chain", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if chainDispatch(routes, req).Status != 404 {
					b.Fatal("found")
				}
			}
		})
		table := benchTable(routes)
		b.Run(fmt.Sprintf("routes=%d/table", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if table(req).Status != 404 {
					b.Fatal("found")
				}
			}
		})
	}
}

// TestChainAndTableAgree checks that the two dispatchers the benchmarks
// compare give the same answers.
func TestChainAndTableAgree(t *testing.T) {
	routes, reqs := benchRoutes(50)
	table := benchTable(routes)
	for _, req := range reqs {
		assert.Equal(t, 200, table(req).Status, "%s %s", req.Method, req.Path)
		assert.Equal(t, 200, chainDispatch(routes, req).Status, "%s %s", req.Method, req.Path)
	}
	miss := request("GET", "/nope")
	assert.Equal(t, 404, table(miss).Status)
	assert.Equal(t, 404, chainDispatch(routes, miss).Status)
}
