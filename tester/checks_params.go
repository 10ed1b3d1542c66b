package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Where a failed stage-4 check sends the learner.
const (
	readParams = "stages/04-params.md#tests and docs/04-params.md"
	readFiles  = "stages/04-params.md#tests and docs/04-params.md#path-traversal"
)

func init() {
	register(
		check{stage: 4, until: 4, slug: "path-params", name: "GET /users/{id} and /users/{id}/posts/{post_id} answer with their parameters", read: readParams, run: pathParams},
		check{stage: 4, until: 4, slug: "static-beats-param", name: "GET /users/me is the static route, not /users/{id}", read: readParams, run: staticBeatsParam},
		check{stage: 4, slug: "files-get", name: "GET /files/{name} serves the file byte for byte, 404 when missing", read: readFiles, run: filesGet},
		check{stage: 4, slug: "files-post", name: "POST /files/{name} writes the body to the file and answers 201", read: readFiles, run: filesPost},
		check{stage: 4, slug: "files-traversal", name: "nothing outside --directory can be read or written", read: readFiles, run: filesTraversal},
	)
}

func pathParams(t *T) error {
	id, post := strconv.Itoa(1+t.rng.Intn(99999)), strconv.Itoa(1+t.rng.Intn(999))
	for _, probe := range []struct{ path, body string }{
		{"/users/" + id, "user " + id},
		{"/users/" + id + "/posts/" + post, "post " + post + " of user " + id},
	} {
		t.reproduce("%s", t.curl("GET", probe.path, nil, nil))
		if err := t.single(request("GET", probe.path, nil, nil), textBody(probe.body)); err != nil {
			return err
		}
	}
	return nil
}

func staticBeatsParam(t *T) error {
	t.reproduce("%s", t.curl("GET", "/users/me", nil, nil))
	err := t.single(request("GET", "/users/me", nil, nil), textBody("current user"))
	if err != nil {
		f := asFailure(err)
		f.Hint = "when a static route and a parameter route both match, the static one wins: /users/me before /users/{id}"
		return f
	}
	return nil
}

// randomFileName returns a file name a server cannot have prepared for.
func (t *T) randomFileName() string {
	return t.randomWord() + "_" + strconv.Itoa(t.rng.Intn(1000)) + ".bin"
}

func filesGet(t *T) error {
	name := t.randomFileName()
	content := t.randomBytes(1024 + t.rng.Intn(16*1024))
	if err := os.WriteFile(filepath.Join(t.files, name), content, 0o644); err != nil {
		return err
	}
	t.reproduce("%s", t.curl("GET", "/files/"+name, nil, nil)+" --output -")
	w := want{code: 200, checkBody: true, body: content, headers: map[string]string{
		"Content-Type":   "application/octet-stream",
		"Content-Length": strconv.Itoa(len(content)),
	}}
	if err := t.single(request("GET", "/files/"+name, nil, nil), w); err != nil {
		f := asFailure(err)
		f.Detail = fmt.Sprintf("the tester wrote %d random bytes to %s and started the server with --directory %s", len(content), name, t.files)
		return f
	}
	missing := t.randomFileName()
	t.reproduce("%s", t.curl("GET", "/files/"+missing, nil, nil))
	return t.single(request("GET", "/files/"+missing, nil, nil), want{code: 404})
}

func filesPost(t *T) error {
	name := t.randomFileName()
	content := t.randomBytes(512 + t.rng.Intn(8*1024))
	h := []string{"Content-Type: application/octet-stream"}
	t.reproduce("%s", t.curl("POST", "/files/"+name, h, []byte("...")))
	if err := t.single(request("POST", "/files/"+name, h, content), want{code: 201}); err != nil {
		return err
	}
	onDisk, err := os.ReadFile(filepath.Join(t.files, name))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &failure{Summary: fmt.Sprintf("the server answered 201 Created, but there is no file %s in %s", name, t.files),
			Hint: "write the body to the --directory given on the command line, under the name in the path"}
	case err != nil:
		return err
	case !bytes.Equal(onDisk, content):
		return &failure{Summary: fmt.Sprintf("the file on disk holds %d bytes, but the request's body had %d", len(onDisk), len(content)),
			Diff: describeDiff(content, onDisk)}
	}
	return nil
}

// filesTraversal places a secret file just outside the served directory,
// and a symlink to it inside, then tries every classic way out. None may
// return the secret, and no write may land outside.
func filesTraversal(t *T) error {
	parent := filepath.Dir(filepath.Clean(t.files))
	secretName := "secret_" + t.randomWord() + ".txt"
	secret := []byte("secret " + t.randomWord() + t.randomWord() + "\n")
	secretPath := filepath.Join(parent, secretName)
	if err := os.WriteFile(secretPath, secret, 0o600); err != nil {
		return err
	}
	defer os.Remove(secretPath)
	link := t.randomWord() + "_link"
	if err := os.Symlink(secretPath, filepath.Join(t.files, link)); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(t.files, link))
	dirName := filepath.Base(t.files)

	attempts := []struct{ what, target string }{
		{"a .. segment", "/files/../" + secretName},
		{"percent-encoded dots", "/files/%2e%2e/" + secretName},
		{"an encoded slash", "/files/..%2f" + secretName},
		{"an encoded dots and slash", "/files/%2e%2e%2f" + secretName},
		{"a detour through the directory's own name", "/files/../" + dirName + "/../" + secretName},
		{"an absolute path", "/files/" + secretPath},
		{"an encoded absolute path", "/files/%2f" + filepath.ToSlash(secretPath[1:])},
		{"a NUL byte", "/files/" + link + "%00.txt"},
		{"a symlink that points outside", "/files/" + link},
	}
	for _, a := range attempts {
		req := request("GET", a.target, nil, nil)
		t.reproduceRaw(req)
		resp, err := t.roundTrip(req, want{code: 404, more: true})
		if resp != nil && bytes.Contains(resp.raw, secret) {
			return &failure{
				Summary: "the response contains the secret file the tester placed outside --directory",
				Detail:  "the request used " + a.what + " to reach " + secretPath,
				Sent:    req, Got: resp.raw,
				Hint: "resolve the requested name inside the directory and refuse anything that leaves it: .. segments, encoded slashes, absolute paths, NUL bytes, and symlinks",
			}
		}
		if err != nil && (resp == nil || (resp.code != 400 && resp.code != 403)) {
			f := asFailure(err)
			f.Detail = "the request used " + a.what + "; the answer must be 400, 403 or 404"
			return f
		}
	}

	// Writes: none may create a file next to the secret.
	escapeName := "escaped_" + t.randomWord() + ".txt"
	for _, target := range []string{"/files/..%2f" + escapeName, "/files/%2e%2e%2f" + escapeName} {
		req := request("POST", target, []string{"Content-Type: application/octet-stream"}, []byte("should never be written"))
		t.reproduceRaw(req)
		resp, _ := t.roundTrip(req, want{code: 400, more: true})
		if _, err := os.Stat(filepath.Join(parent, escapeName)); err == nil {
			os.Remove(filepath.Join(parent, escapeName))
			got := []byte(nil)
			if resp != nil {
				got = resp.raw
			}
			return &failure{
				Summary: "a POST wrote a file outside --directory: " + filepath.Join(parent, escapeName),
				Sent:    req, Got: got,
				Hint: "refuse a file name that contains a slash or is . or .., after percent-decoding",
			}
		}
		if resp == nil || resp.code/100 != 4 {
			code := "no response"
			if resp != nil {
				code = resp.statusLine()
			}
			return &failure{Summary: "a POST to a name outside --directory must get a 4xx answer, got " + code, Sent: req}
		}
	}
	return nil
}
