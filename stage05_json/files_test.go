package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secret is the content of the files that no request may reach.
const secret = "the secret, outside the directory\n"

// fileTree makes a directory to serve, with a secret beside it and links
// that point out of it, and opens it as filesRoot for the rest of the test:
//
//	parent/
//	    secret.txt             the secret
//	    outside/secret.txt     the secret
//	    served-old/secret.txt  the secret, in a sibling whose name starts like root's
//	    served/                root, which it returns
//	        hello.txt          "hello, world\n"
//	        empty              an empty file
//	        dir/nested.bin     three bytes
//	        été                "summer\n"
//	        .hidden            a hidden file
//	        .upload-42         an upload in progress
//	        inner-link         -> hello.txt, relative: a link that stays inside
//	        out-link           -> parent/secret.txt, absolute
//	        rel-link           -> ../secret.txt, relative
//	        out-dir            -> parent/outside
//	        sibling-link       -> parent/served-old/secret.txt
//
// It returns root and the secret's absolute path.
func fileTree(t *testing.T) (root, secretPath string) {
	t.Helper()
	parent, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	root = filepath.Join(parent, "served")
	secretPath = filepath.Join(parent, "secret.txt")
	for _, d := range []string{root, filepath.Join(root, "dir"), filepath.Join(parent, "outside"), filepath.Join(parent, "served-old")} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	for name, content := range map[string]string{
		secretPath: secret,
		filepath.Join(parent, "outside", "secret.txt"):    secret,
		filepath.Join(parent, "served-old", "secret.txt"): secret,
		filepath.Join(root, "hello.txt"):                  "hello, world\n",
		filepath.Join(root, "empty"):                      "",
		filepath.Join(root, "dir", "nested.bin"):          "\x00\x01\x02",
		filepath.Join(root, "été"):                        "summer\n",
		filepath.Join(root, ".hidden"):                    "hidden\n",
		filepath.Join(root, ".upload-42"):                 "half of an uplo",
	} {
		require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
	}
	for link, target := range map[string]string{
		"inner-link":   "hello.txt",
		"out-link":     secretPath,
		"rel-link":     "../secret.txt",
		"out-dir":      filepath.Join(parent, "outside"),
		"sibling-link": filepath.Join(parent, "served-old", "secret.txt"),
	} {
		require.NoError(t, os.Symlink(target, filepath.Join(root, link)))
	}
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	filesRoot = r
	t.Cleanup(func() {
		filesRoot = nil
		r.Close()
	})
	return root, secretPath
}

func TestGetFile(t *testing.T) {
	_, secretPath := fileTree(t)
	tests := []struct {
		name   string
		target string
		status int
		body   string // for 200
	}{
		{"a file", "/files/hello.txt", 200, "hello, world\n"},
		{"an empty file", "/files/empty", 200, ""},
		{"a file in a subdirectory", "/files/dir/nested.bin", 200, "\x00\x01\x02"},
		{"a decoded name", "/files/hello%2etxt", 200, "hello, world\n"},
		{"a link that stays inside", "/files/inner-link", 200, "hello, world\n"},
		{"a name of another alphabet", "/files/%C3%A9t%C3%A9", 200, "summer\n"},
		{"a missing file", "/files/missing.txt", 404, ""},
		{"a directory", "/files/dir", 404, ""},
		{"a directory with its slash", "/files/dir/", 404, ""},
		{"the directory itself", "/files/", 404, ""},
		{"a file used as a directory", "/files/hello.txt/x", 404, ""},
		{"a file with a slash after it", "/files/hello.txt/", 404, ""},

		{"a .. segment", "/files/../secret.txt", 400, ""},
		{"a .. segment inside", "/files/dir/../../secret.txt", 400, ""},
		{"a .. segment that stays inside", "/files/dir/../hello.txt", 400, ""},
		{"percent-encoded dots", "/files/%2e%2e/secret.txt", 400, ""},
		{"an encoded slash", "/files/..%2fsecret.txt", 400, ""},
		{"encoded dots and slash", "/files/%2e%2e%2fsecret.txt", 400, ""},
		{"encoded twice is only decoded once", "/files/%252e%252e%252fsecret.txt", 404, ""},
		{"a detour through the directory's name", "/files/../served/../secret.txt", 400, ""},
		{"an absolute path", "/files/" + secretPath, 400, ""},
		{"an encoded absolute path", "/files/%2F" + filepath.ToSlash(secretPath[1:]), 400, ""},
		{"a NUL byte", "/files/hello.txt%00.png", 400, ""},
		{"a bad escape", "/files/%zz", 400, ""},
		{"an absolute symlink out", "/files/out-link", 404, ""},
		{"a relative symlink out", "/files/rel-link", 404, ""},
		{"through a symlinked directory out", "/files/out-dir/secret.txt", 404, ""},
		{"a symlink to a sibling with a longer name", "/files/sibling-link", 404, ""},

		{"a . segment", "/files/./hello.txt", 400, ""},
		{"a hidden file", "/files/.hidden", 400, ""},
		{"a hidden directory", "/files/dir/.git/config", 400, ""},
		{"an upload in progress", "/files/.upload-42", 400, ""},
		{"a newline", "/files/hello%0A.txt", 400, ""},
		{"an escape character", "/files/%1B%5B2J", 400, ""},
		{"a C1 control character", "/files/a%C2%85b", 400, ""},
		{"invalid UTF-8", "/files/caf%E9", 400, ""},
		{"a name too long for the file system", "/files/" + strings.Repeat("n", 300), 400, ""},
	}
	for _, r := range routers {
		handle := appHandler(t, r.name)
		for _, tc := range tests {
			t.Run(r.name+"/"+tc.name, func(t *testing.T) {
				resp := handle(request("GET", tc.target))
				body := bodyOf(t, resp)
				assert.Equal(t, tc.status, resp.Status)
				assert.NotContains(t, body, "secret")
				if tc.status == 200 {
					assert.Equal(t, tc.body, body)
					assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
				}
			})
		}
	}
}

// bodyOf returns resp's body, read from its Stream if it has one.
func bodyOf(t *testing.T, resp *Response) string {
	t.Helper()
	if resp.Stream == nil {
		return string(resp.Body)
	}
	defer resp.Stream.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Stream, resp.StreamSize))
	require.NoError(t, err)
	return string(b)
}

// TestGetFileOfAnySize checks that a file is answered as a Stream of its
// size, which the serve loop sends as the client takes it, whatever that
// size: a first version read files into memory, and answered one over
// 8 MiB with 500.
func TestGetFileOfAnySize(t *testing.T) {
	root, _ := fileTree(t)
	// A sparse file: it takes no room on disk.
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), nil, 0o644))
	require.NoError(t, os.Truncate(filepath.Join(root, "big"), 1<<40))
	resp := app.Handler()(request("GET", "/files/big"))
	require.Equal(t, 200, resp.Status)
	require.NotNil(t, resp.Stream)
	defer resp.Stream.Close()
	assert.Equal(t, int64(1<<40), resp.StreamSize)
	assert.Equal(t, int64(1<<40), resp.BodyLen())
	assert.Empty(t, resp.Body)
}

func TestPostFile(t *testing.T) {
	tests := []struct {
		name   string
		target string
		body   string
		status int
		file   string // the file that must now hold body, for 201
		absent string // a file that must not exist afterwards, relative to root
	}{
		{name: "a new file", target: "/files/new.bin", body: "\x00\xffdata", status: 201, file: "new.bin"},
		{name: "an empty body", target: "/files/nothing", body: "", status: 201, file: "nothing"},
		{name: "replacing a file", target: "/files/hello.txt", body: "new content", status: 201, file: "hello.txt"},
		{name: "a decoded name", target: "/files/a%20b.txt", body: "x", status: 201, file: "a b.txt"},
		{name: "a symlink out is replaced, not followed", target: "/files/out-link", body: "mine", status: 201, file: "out-link"},

		{name: "an encoded slash", target: "/files/..%2fescaped.txt", body: "x", status: 400, absent: "../escaped.txt"},
		{name: "encoded dots and slash", target: "/files/%2e%2e%2fescaped.txt", body: "x", status: 400, absent: "../escaped.txt"},
		{name: "an encoded slash into a subdirectory", target: "/files/dir%2Fx", body: "x", status: 400, absent: "dir/x"},
		{name: "an encoded absolute path", target: "/files/%2Ftmp%2Fescaped.txt", body: "x", status: 400},
		{name: "a .. name", target: "/files/..", body: "x", status: 400},
		{name: "an encoded .. name", target: "/files/%2e%2e", body: "x", status: 400},
		{name: "a . name", target: "/files/.", body: "x", status: 400},
		{name: "a hidden file", target: "/files/.env", body: "x", status: 400, absent: ".env"},
		{name: "an upload's temporary name", target: "/files/.upload-42", body: "x", status: 400},
		{name: "a newline", target: "/files/a%0Ab", body: "x", status: 400, absent: "a\nb"},
		{name: "invalid UTF-8", target: "/files/a%FFb", body: "x", status: 400, absent: "a\xffb"},
		{name: "a name too long for the file system", target: "/files/" + strings.Repeat("n", 300), body: "x", status: 400},
		{name: "a NUL byte", target: "/files/a%00b", body: "x", status: 400, absent: "a"},
		{name: "a bad escape", target: "/files/%zz", body: "x", status: 400},
		{name: "a directory", target: "/files/dir", body: "x", status: 409},
		{name: "two segments", target: "/files/dir/x", body: "x", status: 405, absent: "dir/x"},
	}
	for _, r := range routers {
		for _, tc := range tests {
			t.Run(r.name+"/"+tc.name, func(t *testing.T) {
				root, secretPath := fileTree(t)
				req := request("POST", tc.target)
				req.Body = []byte(tc.body)
				resp := appHandler(t, r.name)(req)
				assert.Equal(t, tc.status, resp.Status, string(resp.Body))
				if tc.status == 201 {
					assert.Empty(t, resp.Body)
					fi, err := os.Lstat(filepath.Join(root, tc.file))
					require.NoError(t, err)
					assert.True(t, fi.Mode().IsRegular(), "a regular file, not a link")
					assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
					got, err := os.ReadFile(filepath.Join(root, tc.file))
					require.NoError(t, err)
					assert.Equal(t, tc.body, string(got))
				}
				if tc.absent != "" {
					assert.NoFileExists(t, filepath.Join(root, tc.absent))
				}
				got, err := os.ReadFile(secretPath)
				require.NoError(t, err)
				assert.Equal(t, secret, string(got), "the secret is untouched")
				assert.Empty(t, tempFiles(t, root), "no temporary file is left behind")
				fi, err := os.Stat(filepath.Join(root, "dir"))
				require.NoError(t, err)
				assert.True(t, fi.IsDir(), "the directory is still one")
			})
		}
	}
}

// tempFiles lists the temporary files writeAtomic left in dir, but for
// the one fileTree makes.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, ".upload-*"))
	require.NoError(t, err)
	var made []string
	for _, f := range left {
		if filepath.Base(f) != ".upload-42" {
			made = append(made, f)
		}
	}
	return made
}

// TestGetFileSymlinkSwap is issue 14's probe of the check-then-open race:
// a local process swaps files/swap between a file and a symlink to
// ../secret.txt while requests for it repeat. Checking the path and then
// opening it gave the secret away once every few hundred requests; opened
// through filesRoot in one step, it never may.
func TestGetFileSymlinkSwap(t *testing.T) {
	root, _ := fileTree(t)
	swap, tmp := filepath.Join(root, "swap"), filepath.Join(root, "swap.tmp")
	require.NoError(t, os.WriteFile(swap, []byte("plain"), 0o644))
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			os.WriteFile(tmp, []byte("plain"), 0o644)
			os.Rename(tmp, swap)
			os.Symlink("../secret.txt", tmp)
			os.Rename(tmp, swap)
		}
	}()
	handle := app.Handler()
	const tries = 20000
	leaked, served := 0, 0
	for range tries {
		resp := handle(request("GET", "/files/swap"))
		if resp.Status == 200 {
			served++
		}
		if strings.Contains(bodyOf(t, resp), "secret") {
			leaked++
		}
	}
	close(stop)
	<-stopped
	assert.Zero(t, leaked, "the secret came back %d times in %d requests", leaked, tries)
	assert.NotZero(t, served, "the file itself was served between the swaps")
}

// TestUploadInProgressIsHidden is issue 14's probe of half-written
// uploads: while a POST's body is still arriving, its temporary file is in
// the directory, and no GET may serve it, since its name starts with a
// dot. It used to come back with 200 and half the upload.
func TestUploadInProgressIsHidden(t *testing.T) {
	root, _ := fileTree(t)
	handle := app.Handler()
	body, sender := io.Pipe()
	req := request("POST", "/files/up.bin")
	req.body = body
	answered := make(chan *Response)
	go func() { answered <- handle(req) }()
	_, err := io.WriteString(sender, "half of it")
	require.NoError(t, err) // postFile has its temporary file, and is reading
	temp := tempFiles(t, root)
	require.Len(t, temp, 1)
	resp := handle(request("GET", "/files/"+filepath.Base(temp[0])))
	assert.Equal(t, 400, resp.Status, "the upload in progress is not served")
	assert.NotContains(t, bodyOf(t, resp), "half")

	io.WriteString(sender, " and the rest")
	sender.Close()
	assert.Equal(t, 201, (<-answered).Status)
	got, err := os.ReadFile(filepath.Join(root, "up.bin"))
	require.NoError(t, err)
	assert.Equal(t, "half of it and the rest", string(got))
	assert.Empty(t, tempFiles(t, root))
}

// TestWriteAtomic checks that a write that fails half way leaves no file,
// no temporary file and no change to the file it would have replaced.
func TestWriteAtomic(t *testing.T) {
	errDiskFull := errors.New("no space left on device")
	halfThenFail := func(w io.Writer) error {
		if _, err := io.WriteString(w, "half of the bo"); err != nil {
			return err
		}
		return errDiskFull
	}
	tests := []struct {
		name    string
		file    string // written by writeAtomic
		before  string // its content before, "" for none
		write   func(w io.Writer) error
		wantErr error
		after   string // its content after, "" for none
	}{
		{name: "a new file", file: "new", write: func(w io.Writer) error { _, err := io.WriteString(w, "all"); return err }, after: "all"},
		{name: "a failed write leaves no file", file: "new", write: halfThenFail, wantErr: errDiskFull},
		{name: "a failed write keeps the old file", file: "old", before: "old content", write: halfThenFail, wantErr: errDiskFull, after: "old content"},
		{name: "a directory in the way", file: "dir", write: func(w io.Writer) error { return nil }, wantErr: errIsDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(dir, "dir"), 0o755))
			if tc.before != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.before), 0o644))
			}
			root, err := os.OpenRoot(dir)
			require.NoError(t, err)
			defer root.Close()
			err = writeAtomic(root, tc.file, tc.write)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				assert.NoError(t, err)
			}
			if tc.after == "" {
				if tc.file != "dir" {
					assert.NoFileExists(t, filepath.Join(dir, tc.file))
				}
			} else {
				got, err := os.ReadFile(filepath.Join(dir, tc.file))
				require.NoError(t, err)
				assert.Equal(t, tc.after, string(got))
			}
			assert.Empty(t, tempFiles(t, dir), "no temporary file is left behind")
		})
	}
}

// TestFilesWithoutDirectory checks that without --directory the file
// routes exist, but have nothing to serve or store.
func TestFilesWithoutDirectory(t *testing.T) {
	require.Nil(t, filesRoot)
	handle := app.Handler()
	assert.Equal(t, 404, handle(request("GET", "/files/hello.txt")).Status)
	req := request("POST", "/files/new.bin")
	req.Body = []byte("x")
	assert.Equal(t, 404, handle(req).Status)
}

func TestOpenDir(t *testing.T) {
	parent, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	dir := filepath.Join(parent, "files")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Symlink(dir, filepath.Join(parent, "link")))
	require.NoError(t, os.WriteFile(filepath.Join(parent, "file"), nil, 0o644))
	cwd, err := os.Getwd()
	require.NoError(t, err)
	relative, err := filepath.Rel(cwd, dir)
	require.NoError(t, err)

	tests := []struct {
		name, dir, want, err string
	}{
		{name: "absolute", dir: dir, want: dir},
		{name: "relative", dir: relative, want: dir},
		{name: "unclean", dir: parent + "/./files/", want: dir},
		{name: "a symlink to it", dir: filepath.Join(parent, "link"), want: dir},
		{name: "missing", dir: filepath.Join(parent, "missing"), err: "no such file or directory"},
		{name: "a file", dir: filepath.Join(parent, "file"), err: "not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, err := openDir(tc.dir)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			defer root.Close()
			assert.Equal(t, tc.want, root.Name())
		})
	}
	root, err := openDir("")
	assert.NoError(t, err)
	assert.Nil(t, root, "no --directory, no root")
}

func TestCheckName(t *testing.T) {
	for name, want := range map[string]string{
		"a.txt":                        "",
		"dir/a.txt":                    "",
		"..a":                          "bad file name: a part of it starts with a dot",
		"a..":                          "",
		"":                             "",
		"été":                          "",
		".hidden":                      "bad file name: a part of it starts with a dot",
		"dir/.git":                     "bad file name: a part of it starts with a dot",
		".":                            "bad file name: a part of it starts with a dot",
		"a\nb":                         "bad file name: it holds a control character",
		"a\u0085b":                     "bad file name: it holds a control character",
		"caf\xe9":                      "bad file name: it is not valid UTF-8",
		"..":                           "bad file name: it has a .. segment",
		"a/../b":                       "bad file name: it has a .. segment",
		"a/..":                         "bad file name: it has a .. segment",
		"/etc/passwd":                  "bad file name: it is an absolute path",
		"a\x00b":                       "bad file name: it holds a NUL byte",
		strings.Repeat("a/", 3) + "..": "bad file name: it has a .. segment",
	} {
		err := checkName(name)
		if want == "" {
			assert.NoError(t, err, "%q", name)
		} else {
			assert.EqualError(t, err, want, "%q", name)
		}
	}
}

// TestStatusTextOfNewAnswers checks that every status this stage added
// has its reason phrase: the router's redirects and the file routes'
// answers.
func TestStatusTextOfNewAnswers(t *testing.T) {
	statuses := []int{201, 301, 308}
	for _, err := range []error{errNoFile, errFileDenied, errIsDir, badName("x")} {
		var se *StatusError
		require.True(t, errors.As(err, &se))
		statuses = append(statuses, se.Status)
	}
	for _, status := range statuses {
		assert.NotEmpty(t, StatusText(status), "%d", status)
	}
}
