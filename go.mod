module httpworkbook

// Go 1.24 for os.Root, which opens files beneath a directory without the
// check-then-open race of resolving a path first (stage 4 on: files.go);
// the tester's calibration server (tester/calibrate_nethttp_test.go)
// serves files through it too, as a Go programmer would today.
go 1.24

require (
	github.com/rogpeppe/go-internal v1.13.1
	github.com/stretchr/testify v1.11.1
	golang.org/x/sys v0.30.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/tools v0.22.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
