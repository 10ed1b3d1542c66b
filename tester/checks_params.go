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
		check{stage: 4, until: 4, slug: "path-params", name: "GET /users/{id} and /users/{id}/posts/{post_id} answer with their parameters", read: readParams, run: pathParams, hints: []string{
			"Look at how your router matches /users/42 and /users/42/posts/7: these routes are patterns with parameters, not fixed strings.",
			"The router probably compares whole paths for equality, or a pattern is not anchored at its end, so that /users/{id} also takes /users/42/posts/7.",
			"Match segment by segment (or with an anchored regular expression such as ^/users/([^/]+)$), give the captured values to the handler, and answer user 42, or post 7 of user 42, as text/plain.",
		}},
		check{stage: 4, until: 4, slug: "static-beats-param", name: "GET /users/me is the static route, not /users/{id}", read: readParams, run: staticBeatsParam, hints: []string{
			"Look at the order in which your router tries its routes: /users/me is a fixed route, and /users/{id} matches that path too.",
			"The parameter route probably wins because it was registered, or is tried, first.",
			"Try fixed segments before parameters (sort the patterns, or let each tree node try its static children first), so that /users/me answers current user.",
		}},
		check{stage: 4, slug: "files-get", name: "GET /files/{name} serves the file byte for byte, 404 when missing", read: readFiles, run: filesGet, hints: []string{
			"Look at the --directory argument your server is started with, and at the route GET /files/{name}: the tester writes a random binary file there first.",
			"Usually the --directory flag is not read, the file is read or sent as text (which changes bytes), Content-Type is not application/octet-stream, or a missing file does not get 404.",
			"Join the directory and the name, read the file's bytes as they are, and answer 200 with Content-Type: application/octet-stream and the file's size as Content-Length; 404 when there is no such file.",
		}},
		check{stage: 4, slug: "files-post", name: "POST /files/{name} writes the body to the file and answers 201", read: readFiles, run: filesPost, hints: []string{
			"Look at the route POST /files/{name}: it writes the request's body into --directory, under the name in the path.",
			"Usually only part of the body is read (one read, not all Content-Length bytes), it is written as text, or it is written somewhere other than --directory.",
			"Read exactly Content-Length bytes of body, write them unchanged to the file in the directory, and answer 201 Created.",
		}},
		check{stage: 4, slug: "files-traversal", name: "nothing outside --directory can be read or written", read: readFiles, run: filesTraversal, hints: []string{
			"Look at how your server turns the name in /files/{name} into a path on disk: the tester tries .. segments, encoded slashes, absolute paths, a NUL byte and a symlink.",
			"The name is probably joined to the directory after percent-decoding, without checking where the result points.",
			"After decoding, resolve the joined path, symlinks included (realpath in C and Python, filepath.EvalSymlinks in Go), and refuse with 400, 403 or 404 whatever is not inside the directory.",
		}},
	)
}

func pathParams(t *T) error {
	id, post := strconv.Itoa(1+t.rng.Intn(99999)), strconv.Itoa(1+t.rng.Intn(999))
	for _, probe := range []struct{ path, body string }{
		{"/users/" + id, "user " + id},
		{"/users/" + id + "/posts/" + post, "post " + post + " of user " + id},
	} {
		t.reproduceHTTP(t.curl("GET", probe.path, nil, nil), 200)
		if err := t.single(request("GET", probe.path, nil, nil), textBody(probe.body)); err != nil {
			return annotate(err, "", "register GET /users/:id and GET /users/:id/posts/:post_id, and answer with the values the path gave the parameters")
		}
	}
	return nil
}

func staticBeatsParam(t *T) error {
	t.reproduceHTTP(t.curl("GET", "/users/me", nil, nil), 200)
	err := t.single(request("GET", "/users/me", nil, nil), textBody("current user"))
	return annotate(err, "", "when a static route and a parameter route both match, the static one wins: /users/me before /users/{id}")
}

// randomFileName returns a file name a server cannot have prepared for.
func (t *T) randomFileName() string {
	return t.randomWord() + "_" + strconv.Itoa(t.rng.Intn(1000)) + ".bin"
}

func filesGet(t *T) error {
	name := t.randomFileName()
	return t.expectFileServed(name, t.randomBytes(1024+t.rng.Intn(16*1024)), "random bytes")
}

// fileWant is the answer to GET /files/{name} when the file holds content.
func fileWant(content []byte) want {
	return want{code: 200, checkBody: true, body: content, headers: map[string]string{
		"Content-Type":   "application/octet-stream",
		"Content-Length": strconv.Itoa(len(content)),
	}}
}

// expectFileServed writes content to the file name in the served
// directory, requires GET /files/{name} to answer it byte for byte, and a
// name that is not there to get 404. what says what content is, for the
// report.
func (t *T) expectFileServed(name string, content []byte, what string) error {
	if err := os.WriteFile(filepath.Join(t.files, name), content, 0o644); err != nil {
		return err
	}
	t.reproduceHTTP(t.curl("GET", "/files/"+name, nil, nil)+" --output -", 200)
	if err := t.single(request("GET", "/files/"+name, nil, nil), fileWant(content)); err != nil {
		return annotate(err, fmt.Sprintf("the tester wrote %d %s to %s and started the server with --directory %s", len(content), what, name, t.files), "")
	}
	missing := t.randomFileName()
	t.reproduceHTTP(t.curl("GET", "/files/"+missing, nil, nil), 404)
	return annotate(t.single(request("GET", "/files/"+missing, nil, nil), want{code: 404}), "no file of that name is in the directory", "")
}

func filesPost(t *T) error {
	name := t.randomFileName()
	return t.expectFileWritten(name, t.randomBytes(512+t.rng.Intn(8*1024)), true)
}

// expectFileWritten requires POST /files/{name} with content as its body
// to answer 201 Created and to leave exactly content in the file. The
// reproduce line sends random bytes when content is binary, else content.
func (t *T) expectFileWritten(name string, content []byte, binary bool) error {
	h := []string{"Content-Type: application/octet-stream"}
	if binary {
		t.reproduceHTTP(t.curlPiped(fmt.Sprintf("head -c %d /dev/urandom", len(content)), "POST", "/files/"+name, h), 201)
	} else {
		t.reproduceHTTP(t.curl("POST", "/files/"+name, h, content), 201)
	}
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
			Diff: describeDiff(content, onDisk),
			Hint: "write the body's bytes exactly as they came, all Content-Length of them, without decoding them as text"}
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
		if err := t.traversalGet(req, secret, a.what); err != nil {
			return annotate(err, "the request used "+a.what+" to reach "+secretPath, "")
		}
	}
	// Writes: none may create a file next to the secret.
	escapeName := "escaped_" + t.randomWord() + ".txt"
	for _, target := range []string{"/files/..%2f" + escapeName, "/files/%2e%2e%2f" + escapeName} {
		req := request("POST", target, []string{"Content-Type: application/octet-stream"}, []byte("should never be written"))
		t.reproduceRaw(req)
		if err := t.traversalPost(req, filepath.Join(parent, escapeName)); err != nil {
			return err
		}
	}
	return nil
}

// traversalGet requires that the answer to req does not hold the secret.
// Any such answer is safe, a redirect included; the card's are 400, 403
// and 404, and another is warned.
func (t *T) traversalGet(req, secret []byte, what string) error {
	c, resp, err := t.ask(req)
	defer c.Close()
	if resp != nil && bytes.Contains(resp.raw, secret) {
		return &failure{
			Summary: "the response contains the secret file the tester placed outside --directory",
			Sent:    req, Got: resp.raw,
			Hint: "resolve the requested name inside the directory and refuse anything that leaves it: .. segments, encoded slashes, absolute paths, NUL bytes, and symlinks",
		}
	}
	if err != nil {
		return err
	}
	switch resp.code {
	case 400, 403, 404:
		return withExchange(t.expectStatus(resp, want{code: resp.code}), req, resp.raw)
	}
	return t.adviseAbout(req, resp, warning{
		Summary: fmt.Sprintf("%s was answered %s", what, quote([]byte(resp.statusLine()))),
		Section: "stages/04-params.md#what-to-build",
		Why:     "any answer that leaks nothing is safe, a redirect included; the card answers 400, 403 or 404",
	})
}

// traversalPost requires that req writes nothing at outside. A 4xx is the
// card's answer; another that writes nothing there is warned.
func (t *T) traversalPost(req []byte, outside string) error {
	c, resp, err := t.ask(req)
	defer c.Close()
	if _, statErr := os.Stat(outside); statErr == nil {
		os.Remove(outside)
		f := &failure{Summary: "a POST wrote a file outside --directory: " + outside, Sent: req,
			Hint: "refuse a file name that contains a slash or is . or .., after percent-decoding"}
		if resp != nil {
			f.Got = resp.raw
		}
		return f
	}
	if err != nil {
		return err
	}
	if resp.code/100 == 4 {
		return withExchange(t.expectStatus(resp, want{code: resp.code}), req, resp.raw)
	}
	return t.adviseAbout(req, resp, warning{
		Summary: fmt.Sprintf("a POST to a name outside --directory was answered %s", quote([]byte(resp.statusLine()))),
		Section: "stages/04-params.md#what-to-build",
		Why:     "nothing was written outside, which is what counts; the card answers such a name with a 4xx",
	})
}
