package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// BenchmarkDispatch and BenchmarkDispatchNotFound are stage 3's: they
// compare stage 2's dispatch, an if/else chain, with the router, for apps
// of 5, 50 and 500 fixed routes, and docs/03-routing.md reports them. The
// router now matches with the radix tree instead of a map. The benchmarks
// after them compare the two matchers; run them all with
//
//	go test -run '^$' -bench . -benchmem -count 5 -benchtime 200ms ./stage04_params
//
// docs/04-params.md reports the matchers' medians.

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

// The benchmarks below measure lookup alone, the part of a request a router
// adds, for both routers on the same routes: the GitHub API as published
// by go-http-routing-benchmark, and synthetic sets of growing size.
// The numbers go-http-routing-benchmark publishes include a ServeHTTP call
// and a response writer, so they are a little higher than a bare lookup.

// sink keeps the compiler from optimising a benchmarked lookup away.
var sink *Route

// benchRouters builds each router from routes and runs bench on it as a
// sub-benchmark named after the router.
func benchRouters(b *testing.B, routes []githubRoute, bench func(b *testing.B, m matcher)) {
	for _, r := range routers {
		m := r.new()
		for _, rt := range routes {
			if err := m.add(rt.method, rt.path, func(*Request) *Response { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(r.name, func(b *testing.B) { bench(b, m) })
	}
}

// benchLookup benchmarks one request, after checking that it finds
// pattern with nparams parameters.
func benchLookup(b *testing.B, routes []githubRoute, method, path, pattern string, nparams int) {
	benchRouters(b, routes, func(b *testing.B, m matcher) {
		ps := make(Params, 0, 8)
		if rt, _ := m.lookup(method, path, &ps); rt == nil || rt.Pattern != pattern || len(ps) != nparams {
			b.Fatalf("%s %s: got %v with %v, want %s", method, path, rt, ps, pattern)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink, _ = m.lookup(method, path, &ps)
		}
	})
}

// BenchmarkGitHubAll looks up each of the 203 GitHub routes once per
// operation, each with its own pattern as the path.
func BenchmarkGitHubAll(b *testing.B) {
	routes := githubRoutes(b)
	benchRouters(b, routes, func(b *testing.B, m matcher) {
		ps := make(Params, 0, 8)
		for _, rt := range routes {
			if got, _ := m.lookup(rt.method, rt.path, &ps); got == nil || got.Pattern != rt.path {
				b.Fatalf("%s %s: got %v", rt.method, rt.path, got)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for _, rt := range routes {
				sink, _ = m.lookup(rt.method, rt.path, &ps)
			}
		}
	})
}

// BenchmarkGitHubStatic looks up one static route, the request
// go-http-routing-benchmark uses.
func BenchmarkGitHubStatic(b *testing.B) {
	benchLookup(b, githubRoutes(b), "GET", "/user/repos", "/user/repos", 0)
}

// BenchmarkGitHubParam looks up a route with two parameters, the request
// go-http-routing-benchmark uses.
func BenchmarkGitHubParam(b *testing.B) {
	benchLookup(b, githubRoutes(b), "GET", "/repos/julienschmidt/httprouter/stargazers", "/repos/:owner/:repo/stargazers", 2)
}

// BenchmarkGitHubOneParam looks up a route with one parameter.
func BenchmarkGitHubOneParam(b *testing.B) {
	benchLookup(b, githubRoutes(b), "GET", "/users/gordon", "/users/:user", 1)
}

// BenchmarkGrowth looks up the last of n routes of one shape, /svcN/items/:id,
// for growing n: the regex router tries every route before it, the tree
// only walks one path, so only the first grows linearly.
func BenchmarkGrowth(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		routes := make([]githubRoute, n)
		for i := range routes {
			routes[i] = githubRoute{"GET", fmt.Sprintf("/svc%d/items/:id", i)}
		}
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			path := fmt.Sprintf("/svc%d/items/42", n-1)
			benchLookup(b, routes, "GET", path, routes[n-1].path, 1)
		})
	}
}
